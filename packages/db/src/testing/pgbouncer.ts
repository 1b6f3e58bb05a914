import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgBouncer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>`, through the pooler. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Debian's package, as CI gets it: installed (as root) when missing, like `.ci/run` does. */
function ensurePgBouncer(): string {
  const binary = '/usr/sbin/pgbouncer';
  if (!existsSync(binary)) {
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
      throw new Error(
        'PgBouncer is missing (the transaction-pooler test runs it): install it with `sudo apt-get install -y pgbouncer`',
      );
    }
    console.info('PgBouncer not found: installing it with `apt-get install -y pgbouncer`');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'pgbouncer'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  return binary;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * Starts a real PgBouncer in `pool_mode = transaction` in front of `target` (a Postgres URL with
 * trust auth), with fewer server connections than our pools have clients, so that consecutive
 * transactions of one client really run on different server sessions. It refuses the startup
 * parameters it does not know, as PgBouncer does by default.
 */
export async function startPgBouncer(target: string, poolSize = 2): Promise<PgBouncer> {
  const binary = ensurePgBouncer();
  const { hostname, port: targetPort, pathname } = new URL(target);
  const database = pathname.slice(1) || 'postgres';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n', { mode: 0o644 });
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${hostname} port=${targetPort || 5432} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 500',
      'ignore_startup_parameters =',
      'server_reset_query =',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  // PgBouncer will not run as root; as root, it is told to switch to the postgres user.
  const asRoot = process.getuid?.() === 0;
  const args = [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += String(d);
  });
  const url = `postgres://postgres@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`pgbouncer did not start: ${(error as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, port, stop };
}
