import { type ClerkApi, ClerkApiError } from './clerk-api.js';

/** A Clerk instance as `GET /v1/instance` describes it. */
export interface InstanceInfo {
  /** `ins_…` */
  id: string;
  /** `production` or `development`, as Clerk reports it. */
  environmentType: string;
}

/**
 * `GET /v1/instance`: which instance a secret key belongs to. `null` when the key may not read it
 * (403) or the API has no such endpoint (404).
 */
export async function fetchInstance(api: Pick<ClerkApi, 'get'>): Promise<InstanceInfo | null> {
  try {
    const body = await api.get<{ id?: unknown; environment_type?: unknown }>('/v1/instance');
    if (typeof body.id !== 'string') return null;
    return { id: body.id, environmentType: String(body.environment_type ?? 'unknown') };
  } catch (error) {
    if (error instanceof ClerkApiError && (error.status === 404 || error.status === 403)) return null;
    throw error;
  }
}

/**
 * The instance a write goes out as: `given` when the caller knows it (`null` included), otherwise the
 * id Clerk reports for the key, or `null` when it reports none.
 */
export async function instanceIdFor(
  api: Pick<ClerkApi, 'get'>,
  given: string | null | undefined,
): Promise<string | null> {
  return given !== undefined ? given : ((await fetchInstance(api))?.id ?? null);
}
