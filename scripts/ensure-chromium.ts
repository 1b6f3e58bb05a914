import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Makes sure the Chromium that the Bull Board browser test drives is there before that test runs.
 * The test suite is the README's `pnpm test` on a fresh machine, so it provisions what it can (as
 * root on Debian: `apt-get install chromium`, the package `.ci/run` used to install) and otherwise
 * stops with one line saying what to run. Never a browser that Playwright downloads: the project
 * relies on the distribution's package only.
 */

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** What `ensureChromium` needs from the machine; tests pass their own. */
export interface ChromiumHost {
  /** `CHROMIUM_PATH` if set. */
  configuredPath: string | undefined;
  exists(path: string): boolean;
  isRoot: boolean;
  hasAptGet: boolean;
  run(command: string, args: string[], env?: Record<string, string>): void;
  log(line: string): void;
}

/** Chromium is missing and could not be installed; the message is the one line to act on. */
export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
}

/** Returns the browser's path, installing Debian's `chromium` first when it is missing and that is possible. */
export function ensureChromium(host: ChromiumHost): string {
  const path = host.configuredPath || DEFAULT_CHROMIUM;
  if (host.exists(path)) return path;
  const missing = `Chromium not found at ${path} (the Bull Board browser test needs it)`;
  if (host.configuredPath) {
    // An explicit path that is wrong is a typo to fix; installing a package would not fix it.
    throw new ChromiumMissingError(`${missing}: CHROMIUM_PATH names no file; point it at a Chromium binary`);
  }
  if (!host.hasAptGet) {
    throw new ChromiumMissingError(
      `${missing}: install Chromium with your package manager and set CHROMIUM_PATH to its binary`,
    );
  }
  if (!host.isRoot) {
    throw new ChromiumMissingError(
      `${missing}: run \`sudo apt-get update && sudo apt-get install -y chromium\`, then run the tests again`,
    );
  }
  host.log(`${missing}: installing it with \`apt-get install -y chromium\` (takes a minute or two)`);
  host.run('apt-get', ['update', '-qq']);
  host.run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    DEBIAN_FRONTEND: 'noninteractive',
  });
  if (!host.exists(path)) {
    throw new ChromiumMissingError(
      `apt-get installed chromium but ${path} is still missing: set CHROMIUM_PATH to its binary`,
    );
  }
  return path;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

/** The real machine. */
export function systemHost(env: NodeJS.ProcessEnv = process.env): ChromiumHost {
  return {
    configuredPath: env.CHROMIUM_PATH || undefined,
    exists: existsSync,
    isRoot: process.getuid?.() === 0,
    hasAptGet: onPath('apt-get', env),
    run: (command, args, extra) =>
      execFileSync(command, args, { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] }),
    log: (line) => console.log(line),
  };
}

/** Vitest global setup of the project that holds the browser tests: runs only when one of them is selected. */
export default function setup(): void {
  try {
    ensureChromium(systemHost());
  } catch (error) {
    if (!(error instanceof ChromiumMissingError)) throw error;
    // One line, not a stack trace: the message says all there is to do.
    error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
}
