import {
  ConfigError,
  type ConfigProblem,
  type EnvSource,
  emptyAsUnset,
  envInt,
  envKeys,
  type InstancesConfig,
  instancesEnv,
  instancesFromEnv,
  instanceVar,
  readInstanceVars,
} from '@clerk-sync/config';
import { queueEnv, refineQueueEnv } from '@clerk-sync/queue';
import { logEnv } from '@clerk-sync/telemetry';
import { z } from 'zod';
import { parseAllowedHosts } from './admin/admin-guard.js';
import { adminPasswordProblem } from './admin/admin-password.js';
import { parseSigningSecrets, signingKey } from './signing-secrets.js';

const ingestSettings = z.object({
  PORT: envInt(3000, 0),
  HOST: z.string().min(1).default('0.0.0.0'),
  ...queueEnv.shape,
  BODY_LIMIT_BYTES: envInt(256 * 1024, 1),
  HTTP_REQUEST_TIMEOUT_MS: envInt(15_000, 100),
  HTTP_HEADERS_TIMEOUT_MS: envInt(10_000, 100),
  HTTP_KEEPALIVE_TIMEOUT_MS: envInt(10_000, 100),
  HTTP_MAX_CONNECTIONS: envInt(1000, 1),
  ENQUEUE_TIMEOUT_MS: envInt(2000, 50),
  JOB_ATTEMPTS: envInt(15, 1),
  JOB_BACKOFF_MS: envInt(1000, 1),
  JOB_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.5),
  DEDUPE_WINDOW_SECONDS: envInt(24 * 3600, 1),
  DEDUPE_MAX_JOBS: envInt(200_000, 1),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 0),
  ADMIN_PORT: envInt(3001, 0),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_USERNAME: emptyAsUnset(
    z
      .string()
      .regex(/^[^:]+$/, 'must be non-empty and contain no ":"')
      .default('admin'),
  ),
  ADMIN_PASSWORD: emptyAsUnset(
    z
      .string()
      .optional()
      .superRefine((password, ctx) => {
        const problem = password === undefined ? undefined : adminPasswordProblem(password);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  ),
  ADMIN_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((raw, ctx) => {
      try {
        return parseAllowedHosts(raw);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  METRICS_PORT: envInt(3003, 0),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  ...logEnv.shape,
});

/**
 * The ingest's own settings, the queue it fills (`REDIS_URL`, `QUEUE_NAME`) and `LOG_LEVEL`. Never the
 * database: the edge has no Postgres settings to hold. The instances and their signing secrets are
 * read next to it by {@link readIngestEnv}.
 */
export const ingestEnv = ingestSettings.superRefine((env, ctx) => {
  refineQueueEnv(env, ctx);
  // Node refuses a headers timeout longer than the request timeout; say so at start, by name.
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['HTTP_HEADERS_TIMEOUT_MS'],
      message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
    });
  }
});

/**
 * Which Clerk instances send webhooks here. The allowlist is the worker's business (it dead-letters
 * events of instances not on it), so the ingest does not read `CLERK_INSTANCE_ALLOWLIST`.
 */
const ingestInstancesEnv = instancesEnv.pick({ CLERK_INSTANCES: true, CLERK_INSTANCE_ID: true });
const ingestInstances = ingestInstancesEnv.transform((parsed, ctx) =>
  instancesFromEnv({ ...parsed, CLERK_INSTANCE_ALLOWLIST: undefined }, ctx),
);

/** The variable holding each instance's signing secrets; `_NAME`-suffixed for named instances. */
export const SIGNING_SECRET_VAR = 'CLERK_WEBHOOK_SIGNING_SECRET';

/** One Clerk instance as the ingest sees it: the name its jobs carry, the secrets that prove it. */
export interface IngestInstance {
  readonly name: string;
  /** One or more `whsec_…`: several while a secret is rotated. */
  readonly secrets: readonly string[];
}

export type IngestEnv = z.output<typeof ingestEnv> & {
  /** In `CLERK_INSTANCES` order; one instance named `default` when it is unset. */
  instances: readonly IngestInstance[];
};

/**
 * Every variable the ingest reads (besides the standard `OTEL_*`), for docs and deployment checks.
 * With `CLERK_INSTANCES` set, it reads `CLERK_WEBHOOK_SIGNING_SECRET_<NAME>` for each named
 * instance instead of `CLERK_WEBHOOK_SIGNING_SECRET`.
 */
export const ingestEnvKeys = [...envKeys(ingestSettings), ...envKeys(ingestInstancesEnv), SIGNING_SECRET_VAR];

/**
 * Parses the ingest's configuration: its settings, its instances (`CLERK_INSTANCES`,
 * `CLERK_INSTANCE_ID`) and each instance's signing secrets. Throws one `ConfigError` listing every
 * bad variable; it never echoes a secret's value.
 */
export function readIngestEnv(source: EnvSource): IngestEnv {
  const settings = ingestEnv.safeParse(source);
  const instances = ingestInstances.safeParse(source);
  const problems = [...zodProblems(settings), ...zodProblems(instances)];
  let read: IngestInstance[] = [];
  // With the instances themselves invalid, which secrets to read is unknown: fix those first.
  if (instances.success) {
    try {
      read = readSigningSecrets(source, instances.data);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0 || !settings.success) throw new ConfigError('ingest', problems);
  return { ...settings.data, instances: read };
}

function zodProblems(result: z.ZodSafeParseResult<unknown>): ConfigProblem[] {
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    key: issue.path.map(String).join('.'),
    problem: issue.message,
  }));
}

/**
 * Each instance's secrets. Refuses one secret under two instances: a delivery it signs could come
 * from either, and a job must name the one instance whose rows it may write.
 */
function readSigningSecrets(source: EnvSource, config: InstancesConfig): IngestInstance[] {
  const secrets = readInstanceVars(source, config, SIGNING_SECRET_VAR, parseSigningSecrets, {
    processName: 'ingest',
    required: true,
  });
  const instances = config.instances.map(({ name }) => ({ name, secrets: secrets.get(name) ?? [] }));
  const owners = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const instance of instances) {
    const key = instanceVar(SIGNING_SECRET_VAR, instance, config.named);
    // Compared by HMAC key, so two spellings of one key are one secret.
    for (const hmacKey of new Set(instance.secrets.map((s) => signingKey(s).toString('base64')))) {
      const owner = owners.get(hmacKey);
      if (owner === undefined) owners.set(hmacKey, key);
      else
        problems.push({ key, problem: `holds a secret that ${owner} holds too: each instance has its own` });
    }
  }
  if (problems.length > 0) throw new ConfigError('ingest', problems);
  return instances;
}
