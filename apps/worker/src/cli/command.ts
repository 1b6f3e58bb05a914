import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { EnvSource } from '@clerk-sync/config';

/**
 * One `clerk-sync` subcommand. `run` gets the arguments after the subcommand's name and the
 * environment, which it parses with its own schema.
 */
export interface Command {
  name: string;
  /** One line for `clerk-sync --help`. */
  summary: string;
  /** The whole `clerk-sync <name> --help` text. */
  usage: string;
  /** Printed after a failure: what the operator can do next. */
  hint?: string;
  /** Resolves to the exit code; throws `UsageError`, `ConfigError` or any error for a failure. */
  run(args: string[], env: EnvSource): Promise<number>;
}

/** The process exit codes every subcommand uses; scripts and Jobs can tell a bad call from a failed run. */
export const EXIT = {
  done: 0,
  failed: 1,
  /** A bad flag or argument, or a bad or missing setting: fix the call or the environment, not the data. */
  usage: 2,
  /** `reconcile --exit-code`: the comparison ran and found drift. */
  drift: 3,
  /** `reconcile` refused to go on: a key of another instance, or more gone rows than allowed. */
  refused: 4,
  /** `sync <id>`: Clerk has no such object; nothing was written. */
  notFound: 5,
  /** Stopped by Ctrl-C or SIGTERM before the end (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** The command line is wrong; the runner prints the message and the command's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const helpOption = { help: { type: 'boolean', short: 'h', default: false } } as const;

/**
 * `parseArgs` in strict mode, no positionals, plus `--help`/`-h`: an unknown flag or a missing value
 * is a `UsageError`, never silently ignored.
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, ...helpOption }, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** As {@link parseCommandArgs}, for a command that takes positional arguments too. */
export function parseCommandLine<const O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, ...helpOption }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
