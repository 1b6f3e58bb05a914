import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * `pnpm deploy --prod` (and so the Docker image) installs a package's `dependencies` only. A module
 * its compiled `dist/` imports from `devDependencies` works in the workspace, where dev dependencies
 * are installed, and crashes in production with ERR_MODULE_NOT_FOUND. This check closes that gap
 * for every workspace package, without building an image.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const builtins = new Set(builtinModules);

interface Manifest {
  name: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface UndeclaredImport {
  file: string;
  specifier: string;
  packageName: string;
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; relative, absolute, `#…` and builtins → undefined. */
function packageOf(specifier: string): string | undefined {
  if (/^(\.|\/|#|[a-z]+:)/.test(specifier)) return undefined;
  if (builtins.has(specifier) || builtins.has(specifier.split('/')[0] ?? '')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return /\.(c|m)?js$/.test(entry.name) ? [path] : [];
  });
}

/**
 * Every package that `dir/dist/**.js` loads at run time (static imports, re-exports, dynamic
 * `import('…')` and `require('…')`, found by TypeScript's pre-processor, so comments and strings do
 * not count) and that the manifest does not list as a production dependency.
 */
function undeclaredImports(dir: string): UndeclaredImport[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  return jsFiles(join(dir, 'dist')).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((ref) => ({ specifier: ref.fileName, packageName: packageOf(ref.fileName) }))
      .filter((i): i is { specifier: string; packageName: string } => i.packageName !== undefined)
      .filter((i) => !declared.has(i.packageName))
      .map((i) => ({ file: relative(dir, file), ...i })),
  );
}

function workspacePackages(): string[] {
  const workspace = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as { packages: string[] };
  return workspace.packages
    .flatMap((pattern) => {
      if (!pattern.endsWith('/*')) return [pattern];
      const parent = pattern.slice(0, -2);
      return readdirSync(join(root, parent), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => `${parent}/${e.name}`);
    })
    .filter((dir) => existsSync(join(root, dir, 'package.json')));
}

describe('run-time imports of compiled code', () => {
  const fixture = mkdtempSync(join(tmpdir(), 'clerk-sync-deps-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('finds every kind of import of an undeclared package, and nothing else', () => {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    };
    write(
      'package.json',
      JSON.stringify({
        name: '@acme/app',
        dependencies: { declared: '1' },
        devDependencies: { 'dev-only': '1', '@scope/dev': '1' },
        peerDependencies: { peer: '1' },
      }),
    );
    write(
      'dist/a.js',
      [
        "import { x } from 'dev-only';",
        "import {\n  y,\n} from '@scope/dev/sub/path.js';",
        "export * from 'reexported';",
        "const lazy = await import('lazy');",
        "const cjs = require('required');",
        "import 'side-effect';",
        "import { ok } from 'declared';",
        "import { p } from 'peer/deep';",
        "import { own } from '@acme/app/internal';",
        "import { readFile } from 'node:fs/promises';",
        "import { join } from 'path';",
        "import { local } from './local.js';",
        "import { hash } from '#internal';",
        "// import { commented } from 'in-a-comment';",
        'const text = "import { s } from \'in-a-string\'";',
      ].join('\n'),
    );
    write('dist/nested/b.mjs', "export { z } from 'nested-dev';");
    write('src/c.js', "import 'not-compiled-output';");
    const found = undeclaredImports(fixture).map((i) => `${i.file}: ${i.packageName}`);
    expect(found.sort()).toEqual(
      [
        'dist/a.js: dev-only',
        'dist/a.js: @scope/dev',
        'dist/a.js: reexported',
        'dist/a.js: lazy',
        'dist/a.js: required',
        'dist/a.js: side-effect',
        'dist/nested/b.mjs: nested-dev',
      ].sort(),
    );
  });

  const packages = workspacePackages();

  it('checks every workspace package that builds, and each has been built', () => {
    const built = packages.filter((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;
      return manifest.scripts?.build !== undefined;
    });
    expect(built).toEqual(
      expect.arrayContaining([
        'apps/ingest',
        'apps/worker',
        'packages/backend-api',
        'packages/client',
        'packages/config',
        'packages/db',
        'packages/events',
        'packages/queue',
        'packages/telemetry',
      ]),
    );
    for (const dir of built)
      expect(jsFiles(join(root, dir, 'dist')).length, `${dir}/dist is empty: run pnpm build`).toBeGreaterThan(
        0,
      );
  });

  it.each(packages)('%s: everything dist/ imports is a production dependency', (dir) => {
    expect(undeclaredImports(join(root, dir))).toEqual([]);
  });
});

describe('package boundaries', () => {
  const manifest = (dir: string) =>
    JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest & {
      devDependencies?: Record<string, string>;
    };
  const allDependencies = (dir: string) => {
    const m = manifest(dir);
    return Object.keys({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies });
  };

  it('keeps the ingest away from Postgres: no database package, not even for its tests', () => {
    const database = ['@clerk-sync/db', 'pg', 'kysely', '@electric-sql/pglite'];
    expect(allDependencies('apps/ingest').filter((name) => database.includes(name))).toEqual([]);
  });

  it('keeps the configuration helpers free of I/O, so every package may use them: zod only', () => {
    expect(Object.keys(manifest('packages/config').dependencies ?? {})).toEqual(['zod']);
  });

  it('keeps the event contract free of I/O: no queue, Redis or OpenTelemetry dependency', () => {
    const io = (name: string) =>
      ['bullmq', 'ioredis', '@clerk-sync/queue', '@clerk-sync/telemetry'].includes(name) ||
      name.startsWith('@opentelemetry/');
    expect(Object.keys(manifest('packages/events').dependencies ?? {}).filter(io)).toEqual([]);
  });
});
