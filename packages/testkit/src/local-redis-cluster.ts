import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Redis Cluster's bus listens on the client port plus this. */
const BUS_OFFSET = 10_000;

export interface RedisClusterOptions {
  /** Masters to start; Redis needs at least three for a cluster. */
  masters?: number;
  /** When set, every node requires it (`requirepass`, and `masterauth` for the bus). */
  password?: string;
}

/**
 * A real Redis Cluster of our own on loopback, for tests: `masters` `redis-server` processes with
 * `cluster-enabled yes` on free ports, each with its config and data in a temp folder, joined by
 * `redis-cli --cluster create` with no replicas. The shared Redis is never touched. Call `stop()`
 * after the test: it shuts every node down and removes the folder.
 *
 * @example
 * const cluster = await LocalRedisCluster.start({ password: 'pw' });
 * env.REDIS_CLUSTER_NODES = cluster.seeds;
 * await cluster.stop();
 */
export class LocalRedisCluster {
  readonly ports: readonly number[];
  readonly #dir: string;
  readonly #password: string | undefined;
  readonly #processes: ChildProcess[];

  private constructor(ports: number[], dir: string, password: string | undefined, processes: ChildProcess[]) {
    this.ports = ports;
    this.#dir = dir;
    this.#password = password;
    this.#processes = processes;
  }

  /** `REDIS_CLUSTER_NODES` for this cluster: every node, `127.0.0.1:port`, comma-separated. */
  get seeds(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  static async start(options: RedisClusterOptions = {}): Promise<LocalRedisCluster> {
    const masters = options.masters ?? 3;
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-redis-cluster-'));
    const ports: number[] = [];
    const processes: ChildProcess[] = [];
    const cluster = new LocalRedisCluster(ports, dir, options.password, processes);
    try {
      for (let i = 0; i < masters; i++) {
        const port = await freeClusterPort(ports);
        ports.push(port);
        processes.push(startNode(port, dir, options.password));
      }
      for (const port of ports) await cluster.#waitFor(port, 'PING', 'PONG');
      const addresses = ports.map((port) => `127.0.0.1:${port}`);
      await cluster.cli(
        ports[0] ?? 0,
        '--cluster',
        'create',
        ...addresses,
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      );
      for (const port of ports) await cluster.#waitFor(port, 'CLUSTER INFO', 'cluster_state:ok');
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Runs `redis-cli` against one node (authenticated if the cluster has a password); resolves with its output. */
  async cli(port: number, ...args: string[]): Promise<string> {
    const auth = this.#password === undefined ? [] : ['-a', this.#password, '--no-auth-warning'];
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...auth, ...args], {
      timeout: 30_000,
    });
    return stdout;
  }

  /** Shuts every node down without saving and removes the folder. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.ports.map((port) => this.cli(port, 'SHUTDOWN', 'NOSAVE').catch(() => '')));
    await Promise.all(
      this.#processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #waitFor(port: number, command: string, expected: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const output = await this.cli(port, ...command.split(' ')).catch(() => '');
      if (output.includes(expected)) return;
      await sleep(100);
    }
    throw new Error(`Redis cluster node ${port}: no ${expected} after ${timeoutMs} ms`);
  }
}

function startNode(port: number, dir: string, password: string | undefined): ChildProcess {
  const auth = password === undefined ? [] : ['--requirepass', password, '--masterauth', password];
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '5000',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      ...auth,
    ],
    { stdio: 'ignore' },
  );
  child.on('error', () => {});
  return child;
}

/** A loopback port that is free, and whose bus port (port + 10000) is free and valid too. */
async function freeClusterPort(taken: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port + BUS_OFFSET > 65_535 || taken.includes(port)) continue;
    if ((await listenOnce(port + BUS_OFFSET).catch(() => 0)) !== 0) return port;
  }
  throw new Error('no free port pair for a Redis cluster node');
}

/** Listens on `port` (0: any) on loopback, closes at once, and resolves with the port it got. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
