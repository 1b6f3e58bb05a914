import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The README's layout rules, checked on every TypeScript source file. Each rule is a predicate over
 * (file, imported package); a breach names the file and the import, so the fix is obvious.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Longest function allowed in the apps, in lines, nested functions included. */
const MAX_FUNCTION_LINES = 60;

interface ImportSite {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

interface Rule {
  name: string;
  /** True when `site` breaks the rule. */
  breaks(site: ImportSite): boolean;
}

const isTest = (file: string) => /\.test\.ts$/.test(file) || file.includes('/test/');
const inPackage = (file: string, dir: string) => file.startsWith(`${dir}/`);
const packageName = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

/**
 * The apps' wiring: the files that create a BullMQ worker or a Redis connection themselves. Everything
 * else, the ingest included, goes through `@clerk-sync/queue` (which re-exports BullMQ's `Job` and `Queue` types).
 */
const queueWiring = new Set([
  'apps/worker/src/worker-service.ts',
  'apps/worker/src/worker-redis.ts',
  'apps/worker/src/cli/replay.ts',
]);

/**
 * bench/ measures our code against raw baselines (a plain `pg` insert loop, a bare BullMQ worker), so
 * it needs the drivers themselves; it ships in no image.
 */
const exempt = (file: string) => inPackage(file, 'bench');

export const rules: Rule[] = [
  {
    name: 'SQL drivers (kysely, pg, PGlite) are imported only inside packages/db and packages/client',
    breaks: ({ file, specifier }) =>
      ['kysely', 'pg', '@electric-sql/pglite', 'pg-cursor', 'pg-pool'].includes(
        packageName(specifier) ?? '',
      ) &&
      !inPackage(file, 'packages/db') &&
      // The client is the app's database reader (typed reads, LISTEN); it writes no SQL of the sync's own.
      !inPackage(file, 'packages/client') &&
      !exempt(file),
  },
  {
    name: 'bullmq and ioredis are imported only inside packages/queue, the apps’ wiring and tests',
    breaks: ({ file, specifier }) =>
      ['bullmq', 'ioredis'].includes(packageName(specifier) ?? '') &&
      !inPackage(file, 'packages/queue') &&
      !queueWiring.has(file) &&
      !isTest(file) &&
      !exempt(file),
  },
  {
    name: 'the ingest never imports @clerk-sync/db',
    breaks: ({ file, specifier }) =>
      inPackage(file, 'apps/ingest') && packageName(specifier) === '@clerk-sync/db',
  },
  {
    name: 'packages/events is the contract: zod, hashing and Clerk’s types only, no I/O',
    breaks: ({ file, specifier, typeOnly }) => {
      if (!inPackage(file, 'packages/events') || isTest(file) || specifier.startsWith('.')) return false;
      // node:crypto for the address hash the erasure registry shares with Postgres: pure, no I/O.
      return !(
        specifier === 'zod' ||
        specifier === 'node:crypto' ||
        (typeOnly && specifier === '@clerk/backend')
      );
    },
  },
  {
    name: 'no package reaches into another’s src/ or dist/ (import it by name)',
    breaks: ({ file, specifier }) => {
      if (/^@clerk-sync\/[^/]+\/(src|dist)(\/|$)/.test(specifier)) return true;
      if (!specifier.startsWith('.')) return false;
      const parts = file.split('/');
      const own = parts.slice(0, ['apps', 'packages'].includes(parts[0] ?? '') ? 2 : 1).join('/');
      const target = relative(root, join(root, file, '..', specifier));
      return target.startsWith('..') || !inPackage(target, own);
    },
  },
];

function sourceFiles(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory())
      return ['node_modules', 'dist', '.turbo'].includes(entry.name) ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function parse(file: string, text = readFileSync(join(root, file), 'utf8')): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Static imports, re-exports, `import()` and `vi.mock()`-style string calls are all imports here. */
export function importsOf(source: ts.SourceFile): ImportSite[] {
  const sites: ImportSite[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) {
        const typeOnly = ts.isImportDeclaration(node)
          ? (node.importClause?.isTypeOnly ?? false)
          : node.isTypeOnly;
        sites.push({ file: source.fileName, specifier: node.moduleSpecifier.text, typeOnly });
      }
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      sites.push({ file: source.fileName, specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

export function longFunctions(source: ts.SourceFile, max: number): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) found.push(`${source.fileName}:${start + 1} ${functionName(node)} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function functionName(node: ts.SignatureDeclaration): string {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

const files = ['apps', 'packages', 'bench', 'scripts', 'infra'].flatMap(sourceFiles);
const sites = files.flatMap((file) => importsOf(parse(file)));

describe('architecture', () => {
  it('finds the workspace sources it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('apps/ingest/src/app.ts');
    expect(files).toContain('packages/db/src/apply/apply-events.ts');
  });

  it.each(rules.map((rule) => [rule.name, rule] as const))('%s', (_name, rule) => {
    const breaches = sites.filter((site) => rule.breaks(site)).map((s) => `${s.file} imports ${s.specifier}`);
    expect(breaches).toEqual([]);
  });

  it('keeps @clerk-sync/db out of the ingest’s dependencies, so its image cannot load it', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'apps/ingest/package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })).not.toContain(
      '@clerk-sync/db',
    );
  });

  it(`keeps every function in apps/*/src under ${MAX_FUNCTION_LINES} lines`, () => {
    const appSources = files.filter((file) => /^apps\/[^/]+\/src\//.test(file) && !isTest(file));
    expect(appSources.length).toBeGreaterThan(20);
    expect(appSources.flatMap((file) => longFunctions(parse(file), MAX_FUNCTION_LINES))).toEqual([]);
  });

  it('catches each kind of breach in a file written to break them', () => {
    const bad = parse(
      'apps/ingest/src/bad.ts',
      [
        "import { Kysely } from 'kysely';",
        "import { Queue } from 'bullmq';",
        "import { applyEvents } from '@clerk-sync/db';",
        "export { thing } from '@clerk-sync/queue/src/enqueuer.js';",
        "const lazy = () => import('../../worker/src/main.js');",
        `function long() {\n${'  work();\n'.repeat(MAX_FUNCTION_LINES)}}`,
      ].join('\n'),
    );
    const broken = rules.filter((rule) => importsOf(bad).some((site) => rule.breaks(site)));
    expect(broken.map((rule) => rule.name)).toEqual([
      rules[0]?.name,
      rules[1]?.name,
      rules[2]?.name,
      rules[4]?.name,
    ]);
    expect(longFunctions(bad, MAX_FUNCTION_LINES)).toEqual([
      `apps/ingest/src/bad.ts:6 long (${MAX_FUNCTION_LINES + 2} lines)`,
    ]);
    const io = parse('packages/events/src/bad.ts', "import { readFileSync } from 'node:fs';");
    expect(importsOf(io).some((site) => rules[3]?.breaks(site))).toBe(true);
  });
});
