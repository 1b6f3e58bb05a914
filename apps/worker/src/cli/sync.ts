import {
  idPrefixes,
  kindOfId,
  type SyncableKind,
  type SyncEntityResult,
  syncEntity,
} from '@clerk-sync/backend-api';
import { openClerkSession } from './clerk-session.js';
import { type Command, EXIT, parseCommandLine, UsageError } from './command.js';
import { safe } from './safe-text.js';

const kinds = Object.values(idPrefixes) as SyncableKind[];

const usage = `usage: clerk-sync sync <id> [--kind <kind>] [--organization <org_id>] [--instance <name>]

Fetches one object from Clerk's Backend API and writes it through the same version guards as the
backfill: a local row that is newer than Clerk's copy is left as it is. The kind comes from the id's
prefix (${Object.entries(idPrefixes)
  .map(([p, k]) => `${p}… ${k}`)
  .join(', ')}).
  --kind <kind>              ${kinds.join(', ')}, for an id without a known prefix
  --organization <org_id>    for a membership, invitation or domain that is not in the local copy
                             yet: the organization to look for it in
  --instance <name>          with CLERK_INSTANCES: the instance the object belongs to
Clerk has no get-by-id for memberships and domains; they are found in their organization's list.
Waitlist entries cannot be synced one by one (no get-by-id); run \`clerk-sync backfill\`.
A 404 writes nothing (not even a tombstone): run \`clerk-sync reconcile\` to confirm deletions.
Needs CLERK_SECRET_KEY, like backfill. Exits 0 when written or already newer here, 5 when Clerk has
no such object, 1 when Clerk's answer is invalid or the request failed.`;

export const syncCommand: Command = {
  name: 'sync',
  summary:
    'fetch one user, organization, membership, invitation, domain, role or permission from Clerk and apply it',
  usage,
  async run(args, environment) {
    const { values, positionals } = parseCommandLine(args, {
      kind: { type: 'string' },
      organization: { type: 'string' },
      instance: { type: 'string' },
    });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const { id, kind } = readTarget(positionals, values.kind);
    const { env, database, api, instance } = await openClerkSession(environment, 'clerk-sync sync', {
      instance: values.instance,
    });
    try {
      const result = await syncEntity(id, {
        db: database.db,
        api,
        kind,
        organizationId: values.organization,
        privacy: env.privacy,
        instanceId: instance.id,
        maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
      });
      return report(result);
    } finally {
      await database.close();
    }
  },
};

/** The one id and its kind, from `--kind` or the prefix; anything else is a usage error. */
function readTarget(positionals: string[], kindFlag: string | undefined): { id: string; kind: SyncableKind } {
  const [id, ...extra] = positionals;
  if (id === undefined || id === '') throw new UsageError('name the id of the object to sync');
  if (extra.length > 0) throw new UsageError(`one id at a time (also got ${extra.length} more)`);
  if (kindFlag !== undefined && !kinds.includes(kindFlag as SyncableKind)) {
    throw new UsageError(`--kind: expected one of ${kinds.join(', ')}`);
  }
  const kind = (kindFlag as SyncableKind | undefined) ?? kindOfId(id);
  if (!kind) throw new UsageError(`cannot tell the kind of ${id} from its prefix; pass --kind`);
  return { id, kind };
}

function report(result: SyncEntityResult): number {
  switch (result.status) {
    case 'applied':
      console.log(safe`${result.kind} ${result.id}: written (version ${result.version})`);
      return EXIT.done;
    case 'stale':
      console.log(safe`${result.kind} ${result.id}: the local row is newer; left unchanged`);
      return EXIT.done;
    case 'not_found':
      console.error(safe`${result.reason}; nothing written`);
      return EXIT.notFound;
    case 'invalid':
      console.error(
        safe`${result.kind} ${result.id}: Clerk's copy is invalid (${result.reason}); nothing written`,
      );
      return EXIT.failed;
    case 'conflict':
      console.error(
        safe`${result.kind} ${result.id}: the local row belongs to another Clerk instance; nothing written`,
      );
      return EXIT.failed;
  }
}
