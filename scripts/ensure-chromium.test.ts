import { describe, expect, it } from 'vitest';
import {
  type ChromiumHost,
  ChromiumMissingError,
  DEFAULT_CHROMIUM,
  ensureChromium,
  systemHost,
} from './ensure-chromium.js';

/** A machine where only the files in `present` exist; `run` records commands and may "install" a file. */
function host(overrides: Partial<ChromiumHost> & { present?: Set<string>; installs?: string }) {
  const present = overrides.present ?? new Set<string>();
  const commands: string[] = [];
  const lines: string[] = [];
  const h: ChromiumHost = {
    configuredPath: undefined,
    exists: (path) => present.has(path),
    isRoot: false,
    hasAptGet: true,
    run: (command, args, env) => {
      commands.push([...Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`), command, ...args].join(' '));
      if (overrides.installs && args.includes('install')) present.add(overrides.installs);
    },
    log: (line) => lines.push(line),
    ...overrides,
  };
  return { h, commands, lines };
}

const oneLine = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ChromiumMissingError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected ensureChromium to throw');
};

describe('Chromium for the browser tests', () => {
  it('uses the browser that is there and installs nothing', () => {
    const { h, commands } = host({ present: new Set([DEFAULT_CHROMIUM]), isRoot: true });
    expect(ensureChromium(h)).toBe(DEFAULT_CHROMIUM);
    expect(commands).toEqual([]);
  });

  it('as root on Debian, says so and installs the chromium package', () => {
    const { h, commands, lines } = host({ isRoot: true, installs: DEFAULT_CHROMIUM });
    expect(ensureChromium(h)).toBe(DEFAULT_CHROMIUM);
    expect(commands).toEqual([
      'apt-get update -qq',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium',
    ]);
    expect(lines).toEqual([
      expect.stringMatching(/^Chromium not found at \/usr\/bin\/chromium.*installing it/),
    ]);
  });

  it('as root, fails in one line if the package did not provide the browser', () => {
    const { h } = host({ isRoot: true });
    expect(oneLine(() => ensureChromium(h))).toMatch(/still missing: set CHROMIUM_PATH/);
  });

  it('without root, fails in one line naming the command to run, and runs nothing', () => {
    const { h, commands } = host({ isRoot: false });
    expect(oneLine(() => ensureChromium(h))).toBe(
      'Chromium not found at /usr/bin/chromium (the Bull Board browser test needs it): run `sudo apt-get update && sudo apt-get install -y chromium`, then run the tests again',
    );
    expect(commands).toEqual([]);
  });

  it('without apt-get, names the other way to get it', () => {
    const { h, commands } = host({ isRoot: true, hasAptGet: false });
    expect(oneLine(() => ensureChromium(h))).toMatch(
      /install Chromium with your package manager and set CHROMIUM_PATH/,
    );
    expect(commands).toEqual([]);
  });

  it('with a CHROMIUM_PATH that names no file, says to fix the path and installs nothing, even as root', () => {
    // This machine, for real: only the path is wrong, so nothing may be installed.
    const configuredPath = '/nonexistent/chromium-for-this-test';
    const real = systemHost({ ...process.env, CHROMIUM_PATH: configuredPath });
    const commands: string[] = [];
    const message = oneLine(() =>
      ensureChromium({ ...real, isRoot: true, run: (command) => commands.push(command) }),
    );
    expect(message).toBe(
      `Chromium not found at ${configuredPath} (the Bull Board browser test needs it): CHROMIUM_PATH names no file; point it at a Chromium binary`,
    );
    expect(commands).toEqual([]);
  });
});
