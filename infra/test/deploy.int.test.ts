import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The image's build step, end to end. An integration test: it installs from the registry (network),
 * builds, deploys and runs `clerk-sync migrate` and `stats` against Postgres. The static checks of the
 * Dockerfile stay in infra.test.ts, which needs neither.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The part of `pg.Client` the deploy test uses to drop its schema. */
interface PgClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

describe('Dockerfile', () => {
  it('pnpm deploy --prod, as the image is built, yields runnable apps and every clerk-sync command', async () => {
    // As the Docker build stage does, in a copy of the repository: a legacy deploy reinstalls the
    // workspace it runs in, which must not be this one. Online, as a fresh machine has no metadata
    // cache to fall back on; pnpm's store makes the second install cheap.
    const work = mkdtempSync(join(tmpdir(), 'clerk-sync-deploy-'));
    const env = { ...process.env, CI: 'true', NODE_ENV: 'production' };
    const run = (cmd: string, args: string[], cwd: string) =>
      execFileSync(cmd, args, { cwd, env, stdio: 'pipe' });
    const schema = `deploy_${randomUUID().replaceAll('-', '')}`;
    const databaseUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
    let dropSchema: (() => Promise<void>) | undefined;
    try {
      const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
        cwd: root,
        encoding: 'utf8',
      })
        .split('\n')
        .filter((f) => f && existsSync(join(root, f)));
      const repo = join(work, 'repo');
      for (const file of files) cpSync(join(root, file), join(repo, file));
      run('pnpm', ['install', '--frozen-lockfile', '--ignore-scripts'], repo);
      run(
        'pnpm',
        ['--filter', '@clerk-sync/ingest...', '--filter', '@clerk-sync/worker...', 'run', 'build'],
        repo,
      );
      for (const name of ['ingest', 'worker'])
        run('pnpm', ['deploy', `--filter=@clerk-sync/${name}`, '--prod', '--legacy', join(work, name)], repo);

      const ingest = join(work, 'ingest');
      expect(existsSync(join(ingest, 'dist/main.js'))).toBe(true);
      expect(existsSync(join(ingest, 'src'))).toBe(false);
      expect(existsSync(join(ingest, 'node_modules/vitest'))).toBe(false);
      for (const pkg of ['config', 'events', 'queue', 'telemetry']) {
        expect(existsSync(join(ingest, `node_modules/@clerk-sync/${pkg}/dist/index.js`)), pkg).toBe(true);
        expect(existsSync(join(ingest, `node_modules/@clerk-sync/${pkg}/src`)), pkg).toBe(false);
      }
      // The edge never talks to Postgres, so the ingest image carries no database package.
      expect(existsSync(join(ingest, 'node_modules/@clerk-sync/db'))).toBe(false);
      const started = spawnSync(process.execPath, ['dist/main.js'], {
        cwd: ingest,
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      });
      expect(started.status).toBe(1);
      expect(started.stderr).toContain('CLERK_WEBHOOK_SIGNING_SECRET');

      // The worker, as the image runs it: `clerk-sync` found on PATH (the Dockerfile's /app/bin).
      const worker = join(work, 'worker');
      expect(existsSync(join(worker, 'src'))).toBe(false);
      expect(existsSync(join(worker, 'node_modules/vitest'))).toBe(false);
      expect(existsSync(join(worker, 'node_modules/@clerk-sync/testkit'))).toBe(false);
      const clerkSync = (args: string[], extra: Record<string, string> = {}) =>
        spawnSync('clerk-sync', args, {
          cwd: worker,
          env: { PATH: `${join(worker, 'bin')}:${process.env.PATH}`, ...extra },
          encoding: 'utf8',
        });
      for (const command of [
        'migrate',
        'backfill',
        'reconcile',
        'replay',
        'stats',
        'prune',
        'sync',
        'adopt-instance',
      ]) {
        const help = clerkSync([command, '--help']);
        expect(help.stderr, command).toBe('');
        expect(help.status, command).toBe(0);
        expect(help.stdout).toMatch(new RegExp(`^usage: clerk-sync ${command}\\b`));
      }
      const unknown = clerkSync(['sync-everything']);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('unknown command sync-everything');
      const noKey = clerkSync(['reconcile']);
      expect(noKey.status).toBe(2);
      expect(noKey.stderr).toContain('CLERK_SECRET_KEY');

      const database = { DATABASE_URL: databaseUrl, DB_SCHEMA: schema };
      dropSchema = async () => {
        // The deployed app's own Postgres driver; the infra package has none.
        const fromDb = createRequire(realpathSync(join(worker, 'node_modules/@clerk-sync/db/package.json')));
        const { Client } = fromDb('pg') as { Client: new (url: string) => PgClient };
        const client = new Client(databaseUrl);
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      };
      const migrated = clerkSync(['migrate'], database);
      expect(migrated.stderr).toBe('');
      expect(migrated.status).toBe(0);
      expect(migrated.stdout).toMatch(new RegExp(`^migrated schema "${schema}" on Postgres: `));
      const stats = clerkSync(['stats'], database);
      expect(stats.stderr).toBe('');
      expect(stats.status).toBe(0);
      expect(stats.stdout).toContain('users 0 (+0 deleted)');
      expect(stats.stdout).toContain('signups per week');
    } finally {
      await dropSchema?.();
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
