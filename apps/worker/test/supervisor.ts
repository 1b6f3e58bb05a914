import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Runs a process the way Kubernetes or systemd would: when it exits, for any reason, it is started
 * again after `restartDelayMs`, until `stop()`.
 */
export class Supervised {
  readonly #command: string;
  readonly #args: string[];
  readonly #env: Record<string, string>;
  readonly #restartDelayMs: number;
  #child: ChildProcess | undefined;
  #stopping = false;
  starts = 0;
  output = '';

  constructor(command: string, args: string[], env: Record<string, string>, restartDelayMs = 500) {
    this.#command = command;
    this.#args = args;
    this.#env = env;
    this.#restartDelayMs = restartDelayMs;
  }

  start(): void {
    this.starts += 1;
    const child = spawn(this.#command, this.#args, {
      env: { PATH: process.env.PATH ?? '', ...this.#env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      this.output = (this.output + String(d)).slice(-50_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
      if (!this.#stopping) setTimeout(() => this.#stopping || this.start(), this.#restartDelayMs);
    });
    this.#child = child;
  }

  /** Sends a signal to the running process; the supervisor brings it back. */
  kill(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
