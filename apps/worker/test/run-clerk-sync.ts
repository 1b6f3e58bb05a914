import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The worker package's `bin`, as an operator runs it; it loads the compiled code, so build first. */
export const clerkSyncBin = fileURLToPath(new URL('../bin/clerk-sync', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `clerk-sync <args>` with only `env` (and PATH); resolves when it exits, killing it after `killAfterMs`. */
export async function runClerkSync(
  args: string[],
  env: Record<string, string>,
  killAfterMs = 60_000,
): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [clerkSyncBin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += String(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code] = await once(child, 'exit');
  clearTimeout(killer);
  return { code: code as number | null, stdout, stderr, ms: performance.now() - started };
}
