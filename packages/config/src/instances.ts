import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error.js';
import type { EnvSource } from './parse-env.js';

/** One Clerk instance (development, staging, production, another product) that this deployment syncs. */
export interface InstanceSpec {
  /**
   * `default` when `CLERK_INSTANCES` is unset, else the name given there. It suffixes the instance's
   * own variables (see {@link instanceVar}), and `--instance` picks it in the `clerk-sync` commands.
   */
  readonly name: string;
  /**
   * Clerk's id for it, `ins_…`. Only the default instance may leave it unset (`CLERK_INSTANCE_ID`): its
   * rows then record the id each event's envelope names.
   */
  readonly id: string | undefined;
  /** The schema its rows go to; unset means `DB_SCHEMA`. Checked by the worker, which owns schemas. */
  readonly schema: string | undefined;
}

export interface InstancesConfig {
  readonly instances: readonly InstanceSpec[];
  /** True when `CLERK_INSTANCES` names them; false for the one `default` instance. */
  readonly named: boolean;
  /** `CLERK_INSTANCE_ALLOWLIST`: the only instance ids whose events may be applied; unset, any. */
  readonly allowlist: ReadonlySet<string> | undefined;
}

export const DEFAULT_INSTANCE = 'default';
/** An instance's name in `CLERK_INSTANCES`, as jobs carry it: a lowercase identifier of up to 31. */
export const INSTANCE_NAME = /^[a-z][a-z0-9_]{0,30}$/;
/** A Clerk instance id, `ins_…`. */
export const INSTANCE_ID = /^ins_[A-Za-z0-9]{1,64}$/;

const list = (raw: string) => raw.split(/[\s,]+/).filter(Boolean);

/**
 * A value as a message may show it: short plain words as they are, anything else (a secret pasted
 * into the wrong variable, say) only by its length.
 */
const shown = (value: string) =>
  /^[A-Za-z0-9_:.-]{1,40}$/.test(value) && !/^(sk|whsec|pk|rk)_/i.test(value)
    ? JSON.stringify(value)
    : `a value of ${value.length} characters`;
const idProblem = (id: string) =>
  INSTANCE_ID.test(id) ? undefined : `${shown(id)} is not a Clerk instance id (ins_…)`;

const optionalIds = (what: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (!raw) return undefined;
      const ids = list(raw);
      for (const id of ids) {
        const problem = idProblem(id);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
      if (ids.length === 0) ctx.addIssue({ code: 'custom', message: `lists no ${what}` });
      return ids;
    });

/**
 * `CLERK_INSTANCES`: entries `name:ins_…` or `name:ins_…:schema`, separated by commas or spaces.
 * Names are lowercase identifiers, unique, and so are ids.
 */
function parseInstanceList(raw: string, ctx: z.RefinementCtx): InstanceSpec[] {
  const specs: InstanceSpec[] = [];
  for (const entry of list(raw)) {
    const [name = '', id = '', schema, ...extra] = entry.split(':');
    const problem = !INSTANCE_NAME.test(name)
      ? `${shown(name)}: a name must be a lowercase identifier (a-z, 0-9, _; at most 31)`
      : (idProblem(id) ??
        (extra.length > 0 || schema === ''
          ? `${shown(entry)}: expected name:ins_… or name:ins_…:schema`
          : specs.some((s) => s.name === name)
            ? `names ${name} twice`
            : specs.some((s) => s.id === id)
              ? `names ${id} twice: one Clerk instance, one entry`
              : undefined));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else specs.push({ name, id, schema });
  }
  if (list(raw).length === 0) ctx.addIssue({ code: 'custom', message: 'lists no instance' });
  return specs;
}

/**
 * Which Clerk instances this deployment syncs. Unset `CLERK_INSTANCES` is the single-instance setup:
 * one instance named `default`, with the unsuffixed variables (`CLERK_WEBHOOK_SIGNING_SECRET`,
 * `CLERK_SECRET_KEY`) and the optional `CLERK_INSTANCE_ID`. Set, it names each instance, and each
 * instance's own variables carry its name as a suffix (see {@link instanceVar}).
 */
export const instancesEnv = z.object({
  CLERK_INSTANCES: z
    .string()
    .optional()
    .transform((raw, ctx) => (raw ? parseInstanceList(raw, ctx) : undefined)),
  CLERK_INSTANCE_ID: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const problem = raw ? idProblem(raw) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      return raw || undefined;
    }),
  CLERK_INSTANCE_ALLOWLIST: optionalIds('instance id'),
});

/** Turns the parsed {@link instancesEnv} into the instances; adds an issue for contradictions. */
export function instancesFromEnv(
  parsed: z.output<typeof instancesEnv>,
  ctx?: z.RefinementCtx,
): InstancesConfig {
  const allowlist = parsed.CLERK_INSTANCE_ALLOWLIST && new Set(parsed.CLERK_INSTANCE_ALLOWLIST);
  if (parsed.CLERK_INSTANCES === undefined) {
    const id = parsed.CLERK_INSTANCE_ID;
    if (allowlist && id !== undefined && !allowlist.has(id)) {
      ctx?.addIssue({
        code: 'custom',
        path: ['CLERK_INSTANCE_ALLOWLIST'],
        message: `leaves out ${id}, the CLERK_INSTANCE_ID: every event would be refused`,
      });
    }
    return {
      instances: [{ name: DEFAULT_INSTANCE, id: parsed.CLERK_INSTANCE_ID, schema: undefined }],
      named: false,
      allowlist,
    };
  }
  if (parsed.CLERK_INSTANCE_ID !== undefined) {
    ctx?.addIssue({
      code: 'custom',
      path: ['CLERK_INSTANCE_ID'],
      message: 'is for the single-instance setup: with CLERK_INSTANCES, give each id there (name:ins_…)',
    });
  }
  if (allowlist) {
    for (const spec of parsed.CLERK_INSTANCES) {
      if (spec.id && !allowlist.has(spec.id)) {
        ctx?.addIssue({
          code: 'custom',
          path: ['CLERK_INSTANCE_ALLOWLIST'],
          message: `leaves out ${spec.id}, which CLERK_INSTANCES configures as ${spec.name}`,
        });
      }
    }
  }
  return { instances: parsed.CLERK_INSTANCES, named: true, allowlist };
}

/**
 * The variable that holds `base` for one instance: `base` itself for the single-instance setup,
 * `base_NAME` (upper case) for a named one.
 *
 * @example instanceVar('CLERK_SECRET_KEY', { name: 'prod' }, true) // 'CLERK_SECRET_KEY_PROD'
 */
export function instanceVar(base: string, instance: Pick<InstanceSpec, 'name'>, named: boolean): string {
  return named ? `${base}_${instance.name.toUpperCase()}` : base;
}

/**
 * Reads one per-instance variable (`base`, or `base_NAME` for each named instance) and parses it
 * with `parse`, which returns the value or throws an `Error` whose message says what is wrong
 * without repeating the value. With named instances, the unsuffixed `base` is refused: it would be
 * unclear which instance it belongs to. Missing values are problems when `required`.
 * Throws one {@link ConfigError} listing every problem.
 *
 * @example readInstanceVars(process.env, config, 'CLERK_WEBHOOK_SIGNING_SECRET', parseSigningSecrets, { processName: 'ingest', required: true })
 */
export function readInstanceVars<T>(
  env: EnvSource,
  config: Pick<InstancesConfig, 'instances' | 'named'>,
  base: string,
  parse: (raw: string) => T,
  options: { processName: string; required: boolean },
): Map<string, T> {
  const problems: ConfigProblem[] = [];
  const values = new Map<string, T>();
  if (config.named && env[base]) {
    const example = instanceVar(base, config.instances[0] ?? { name: 'name' }, true);
    problems.push({
      key: base,
      problem: `is ambiguous with CLERK_INSTANCES: set one per instance, e.g. ${example}`,
    });
  }
  for (const instance of config.instances) {
    const key = instanceVar(base, instance, config.named);
    const raw = env[key];
    if (!raw) {
      if (options.required) problems.push({ key, problem: `is required for instance ${instance.name}` });
      continue;
    }
    try {
      values.set(instance.name, parse(raw));
    } catch (error) {
      problems.push({ key, problem: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new ConfigError(options.processName, problems);
  return values;
}
