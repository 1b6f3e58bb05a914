import { makeEvent, svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * Unique, realistic deliveries (users, organizations, memberships, 1–2 KB like Clerk's examples),
 * signed just before use so their timestamps sit inside the ±5 minute window.
 */
export function signedCorpus(count: number, run: string): SignedRequest[] {
  const out: SignedRequest[] = [];
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < count; i++) {
    const kind = i % 10 < 7 ? 'user' : i % 10 < 9 ? 'organization_membership' : 'organization';
    const id = `${kind === 'user' ? 'user' : kind === 'organization' ? 'org' : 'orgmem'}_${run}_${i}`;
    const event = makeEvent(
      { kind, id, createdAt: t0, userId: `user_${run}_${i - 1}`, organizationId: `org_${run}_${i % 97}` },
      i % 3 === 0 ? 'created' : 'updated',
      t0 + i,
    );
    const body = JSON.stringify(event);
    out.push({ body, headers: svixHeaders(TEST_SIGNING_SECRET, `msg_${run}_${i}`, body) });
  }
  return out;
}
