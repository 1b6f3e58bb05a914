import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestEnvKeys, readIngestEnv } from '@clerk-sync/ingest';
import { clerkApiEnvKeys, reconcileEnvKeys, workerEnvKeys } from '@clerk-sync/worker';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const infra = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(join(infra, 'compose.yaml'), 'utf8'), { merge: true });
const prometheus = parse(readFileSync(join(infra, 'prometheus/prometheus.yml'), 'utf8'));
const dockerfile = readFileSync(join(infra, 'docker/Dockerfile'), 'utf8');
/** Stands in for the template's whsec_REPLACE_ME when the templates are run through the ingest's config. */
const TEST_SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
type Manifest = any;
const k8s: Manifest[] = readdirSync(join(infra, 'k8s'))
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((f) => parseAllDocuments(readFileSync(join(infra, 'k8s', f), 'utf8')).map((d) => d.toJS()));
const find = (kind: string, name: string): Manifest => {
  const found = k8s.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`${kind}/${name} missing`);
  return found;
};
const configMap = find('ConfigMap', 'clerk-sync').data as Record<string, string>;

/** The pod template of a Deployment, a Job or a CronJob. */
const podOf = (o: Manifest): Manifest =>
  o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
const isWorkload = (o: Manifest) => o.kind === 'Deployment' || o.kind === 'Job' || o.kind === 'CronJob';

/** Every pod the manifests run, with its labels and the Secrets it reads. */
const workloads = k8s.filter(isWorkload).map((o) => {
  const pod = podOf(o);
  const containers: Manifest[] = pod.spec.containers;
  return {
    name: o.metadata.name as string,
    labels: (pod.metadata?.labels ?? {}) as Record<string, string>,
    containers,
    secrets: containers.flatMap((c) =>
      (c.envFrom ?? []).flatMap((e: Manifest) => (e.secretRef ? [e.secretRef.name as string] : [])),
    ),
  };
});
const workload = (name: string) => {
  const found = workloads.find((w) => w.name === name);
  if (!found) throw new Error(`workload ${name} missing`);
  return found;
};
const secretData = (name: string) => find('Secret', name).stringData as Record<string, string>;

/** Kubernetes label-selector semantics: every matchLabels entry and every matchExpressions term must hold. */
function selects(selector: Manifest, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e: Manifest) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && e.values.includes(value);
      case 'NotIn':
        return value === undefined || !e.values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown operator ${e.operator}`);
    }
  });
  return byLabel && byExpression;
}

/** Names of our workloads whose pods a policy admits (same namespace, any peer without namespaceSelector). */
function admitted(policyName: string, port: number): string[] {
  const policy = find('NetworkPolicy', policyName);
  expect(policy.spec.policyTypes).toContain('Ingress');
  const rules: Manifest[] = policy.spec.ingress.filter(
    (r: Manifest) => !r.ports || r.ports.some((p: Manifest) => p.port === port),
  );
  return workloads
    .filter((w) =>
      rules.some(
        (r) =>
          !r.from ||
          r.from.some(
            (peer: Manifest) =>
              !peer.namespaceSelector && peer.podSelector && selects(peer.podSelector, w.labels),
          ),
      ),
    )
    .map((w) => w.name)
    .sort();
}

describe('Kubernetes: one Secret per workload', () => {
  it('gives every workload its own Secret, and no two workloads share one', () => {
    const all = workloads.flatMap((w) => w.secrets);
    expect(all.length).toBe(workloads.length);
    expect(new Set(all).size).toBe(all.length);
    for (const w of workloads) expect(w.secrets, w.name).toEqual([w.name]);
  });

  it('lets the public ingest hold only its signing secrets, the Redis URL and the admin password', () => {
    expect(Object.keys(secretData('clerk-sync-ingest')).sort()).toEqual(
      ['ADMIN_PASSWORD', 'CLERK_WEBHOOK_SIGNING_SECRET', 'REDIS_URL'].sort(),
    );
    for (const key of ['DATABASE_URL', 'CLERK_SECRET_KEY']) {
      expect(Object.keys(configMap)).not.toContain(key);
      expect(ingestEnvKeys).not.toContain(key);
    }
  });

  it('puts in each Secret only variables its workload reads', () => {
    const reads: Record<string, readonly string[]> = {
      'clerk-sync-ingest': ingestEnvKeys,
      'clerk-sync-worker': workerEnvKeys,
      'clerk-sync-migrate': workerEnvKeys,
      'clerk-sync-backfill': [...workerEnvKeys, ...clerkApiEnvKeys],
      'clerk-sync-reconcile': [...workerEnvKeys, ...clerkApiEnvKeys, ...reconcileEnvKeys],
    };
    for (const [secret, keys] of Object.entries(reads)) {
      for (const key of Object.keys(secretData(secret))) expect(keys, `${secret}: ${key}`).toContain(key);
    }
    expect(
      Object.keys(secretData('clerk-sync-worker')).filter((k) =>
        k.startsWith('CLERK_WEBHOOK_SIGNING_SECRET'),
      ),
    ).toEqual([]);
    expect(Object.keys(secretData('clerk-sync-worker'))).not.toContain('CLERK_SECRET_KEY');
  });
});

describe('Redis requires a password', () => {
  it('in compose: requirepass on the server, the password in every REDIS_URL, a health check that needs it', () => {
    const command: string[] = compose.services.redis.command;
    const password = command[command.indexOf('--requirepass') + 1];
    expect(password).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    for (const app of ['ingest', 'worker']) {
      expect(compose.services[app].environment.REDIS_URL, app).toBe(`redis://:${password}@redis:6379`);
    }
    expect(compose.services.redis.healthcheck.test.join(' ')).toContain('grep -q PONG');
    expect(compose.services.redis.environment.REDISCLI_AUTH).toBe(password);
  });

  it('in Kubernetes: REDIS_URL only in Secrets, always with a password, and KEDA authenticated too', () => {
    expect(Object.keys(configMap)).not.toContain('REDIS_URL');
    for (const name of ['clerk-sync-ingest', 'clerk-sync-worker']) {
      const url = new URL(secretData(name).REDIS_URL ?? '');
      expect(url.protocol, name).toMatch(/^rediss?:$/);
      expect(url.password, name).not.toBe('');
    }
    const trigger = find('ScaledObject', 'clerk-sync-worker').spec.triggers[0];
    const auth = find('TriggerAuthentication', trigger.authenticationRef.name);
    const ref = auth.spec.secretTargetRef.find((r: Manifest) => r.parameter === 'password');
    expect(secretData(ref.name)[ref.key]).toBeDefined();
  });
});

describe('NetworkPolicies', () => {
  it('let only the ingest and the worker reach Redis, plus KEDA from its namespace', () => {
    expect(admitted('clerk-sync-redis', 6379)).toEqual(['clerk-sync-ingest', 'clerk-sync-worker']);
    const peers = find('NetworkPolicy', 'clerk-sync-redis').spec.ingress.flatMap((r: Manifest) => r.from);
    const others = peers.filter((p: Manifest) => p.namespaceSelector);
    expect(others).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
      },
    ]);
  });

  it('let only the worker, its migrate Job and the reconcile CronJob reach Postgres', () => {
    expect(admitted('clerk-sync-postgres', 5432)).toEqual([
      'clerk-sync-migrate',
      'clerk-sync-reconcile',
      'clerk-sync-worker',
    ]);
    const peers = find('NetworkPolicy', 'clerk-sync-postgres').spec.ingress.flatMap((r: Manifest) => r.from);
    expect(peers.every((p: Manifest) => !p.namespaceSelector)).toBe(true);
  });

  it('leave the admin port closed on the ingest pods', () => {
    const ports = find('NetworkPolicy', 'clerk-sync-ingest').spec.ingress.flatMap((r: Manifest) =>
      r.ports.map((p: Manifest) => p.port),
    );
    expect(ports.sort()).toEqual([3000, Number(configMap.METRICS_PORT)].sort());
    expect(ports).not.toContain(Number(configMap.ADMIN_PORT));
  });

  it('are evaluated by a selector check that can fail', () => {
    const selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] };
    expect(selects(selector, { app: 'a' })).toBe(true);
    expect(selects(selector, { app: 'c' })).toBe(false);
    expect(selects({ matchLabels: { app: 'a', tier: 'x' } }, { app: 'a' })).toBe(false);
  });
});

describe('several Clerk instances in the deployments', () => {
  const secretYaml = readFileSync(join(infra, 'k8s/secret.yaml'), 'utf8');
  const composeYaml = readFileSync(join(infra, 'compose.yaml'), 'utf8');
  /** The per-instance secret variables a template shows in its comments, and the instance names. */
  const shown = (text: string, line: RegExp) => {
    const keys = [...text.matchAll(line)].map((m) => m[1] ?? '');
    return { keys, names: keys.map((k) => k.slice('CLERK_WEBHOOK_SIGNING_SECRET_'.length).toLowerCase()) };
  };
  /** The ingest's configuration with the shown variables set, each to its own secret. */
  const namedEnv = (keys: string[], names: string[]) => ({
    CLERK_INSTANCES: names.map((name) => `${name}:ins_2${name}`).join(','),
    ...Object.fromEntries(keys.map((k) => [k, `whsec_${randomBytes(32).toString('base64')}`])),
  });

  it('ship the single-instance setup: one instance, default, from CLERK_WEBHOOK_SIGNING_SECRET', () => {
    expect(configMap.CLERK_INSTANCES).toBe('');
    expect(compose.services.ingest.environment.CLERK_INSTANCES).toMatch(/^\$\{CLERK_INSTANCES:-\}$/);
    const env = readIngestEnv({
      ...configMap,
      ...secretData('clerk-sync-ingest'),
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    });
    expect(env.instances).toEqual([{ name: 'default', secrets: [TEST_SIGNING_SECRET] }]);
  });

  it("show in the ingest Secret's comments the variables the ingest reads with CLERK_INSTANCES", () => {
    const { keys, names } = shown(
      secretYaml,
      /^\s*# (CLERK_WEBHOOK_SIGNING_SECRET_[A-Z]+): whsec_REPLACE_ME$/gm,
    );
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const { CLERK_WEBHOOK_SIGNING_SECRET: _, ...rest } = secretData('clerk-sync-ingest');
    const env = readIngestEnv({ ...configMap, ...rest, ...namedEnv(keys, names) });
    expect(env.instances.map((i) => i.name)).toEqual(names);
    // The comment says to replace the unsuffixed key: kept, it is refused as ambiguous.
    expect(() =>
      readIngestEnv({
        ...configMap,
        ...rest,
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        ...namedEnv(keys, names),
      }),
    ).toThrow(/CLERK_WEBHOOK_SIGNING_SECRET: is ambiguous/);
  });

  it("show in compose's comments the same variables, each required when used", () => {
    const { keys, names } = shown(
      composeYaml,
      /^\s*# (CLERK_WEBHOOK_SIGNING_SECRET_[A-Z]+): \$\{\1:\?[^}]+\}$/gm,
    );
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(readIngestEnv(namedEnv(keys, names)).instances.map((i) => i.name)).toEqual(names);
  });
});

describe('the admin listener in the deployments', () => {
  it('stays off with the Kubernetes templates as shipped, and on loopback when turned on', () => {
    const env = readIngestEnv({
      ...configMap,
      ...secretData('clerk-sync-ingest'),
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    });
    expect(env.ADMIN_PASSWORD).toBeUndefined();
    expect(env.ADMIN_HOST).toBe('127.0.0.1');
    const ingest = workload('clerk-sync-ingest').containers[0];
    expect(ingest.ports.map((p: Manifest) => p.containerPort)).not.toContain(Number(configMap.ADMIN_PORT));
  });

  it('refuses the template password that used to ship', () => {
    expect(() =>
      readIngestEnv({
        ...configMap,
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        ADMIN_PASSWORD: 'REPLACE_ME',
      }),
    ).toThrow(/ADMIN_PASSWORD/);
  });

  it('in compose: off without ADMIN_PASSWORD, published on the host loopback only, never scraped', () => {
    const ingest = compose.services.ingest;
    expect(ingest.environment.ADMIN_PASSWORD).toMatch(/^\$\{ADMIN_PASSWORD:-\}$/);
    const published = (ingest.ports as string[]).filter((p) =>
      p.endsWith(`:${ingest.environment.ADMIN_PORT}`),
    );
    expect(published).toEqual([`127.0.0.1:3001:${ingest.environment.ADMIN_PORT}`]);
    expect(JSON.stringify(compose.services.prometheus)).not.toContain('ADMIN_PASSWORD');
  });

  it('in the image: bound to loopback unless configured otherwise', () => {
    expect(dockerfile).toMatch(/^ENV .*\bADMIN_HOST=127\.0\.0\.1\b/m);
  });
});

describe('Prometheus scrapes the metrics listeners, not the admin listener', () => {
  const targets = Object.fromEntries(
    prometheus.scrape_configs.map((c: Manifest) => [c.job_name, c.static_configs[0].targets[0]]),
  );

  it('in compose', () => {
    expect(targets['clerk-sync-ingest']).toBe(`ingest:${compose.services.ingest.environment.METRICS_PORT}`);
    expect(targets['clerk-sync-worker']).toBe(
      `worker:${compose.services.worker.environment.WORKER_METRICS_PORT}`,
    );
    expect(compose.services.ingest.environment.METRICS_HOST).toBe('0.0.0.0');
    for (const job of prometheus.scrape_configs) expect(job.basic_auth).toBeUndefined();
  });

  it('in Kubernetes, through the pod annotations', () => {
    const pod = find('Deployment', 'clerk-sync-ingest').spec.template;
    expect(pod.metadata.annotations['prometheus.io/port']).toBe(configMap.METRICS_PORT);
    expect(pod.spec.containers[0].ports.map((p: Manifest) => String(p.containerPort))).toContain(
      configMap.METRICS_PORT,
    );
    expect(configMap.METRICS_HOST).toBe('0.0.0.0');
  });
});

describe('pod hardening', () => {
  const workloads = k8s.filter(isWorkload);

  it('runs every pod without a service account token, under the runtime seccomp profile, with no capabilities', () => {
    expect(workloads.length).toBeGreaterThanOrEqual(4);
    expect(workloads.map((w) => w.kind)).toContain('CronJob');
    for (const w of workloads) {
      const pod = podOf(w).spec;
      expect(pod.automountServiceAccountToken, w.metadata.name).toBe(false);
      expect(pod.securityContext.runAsNonRoot, w.metadata.name).toBe(true);
      expect(pod.securityContext.seccompProfile?.type, w.metadata.name).toBe('RuntimeDefault');
      for (const c of pod.containers) {
        expect(c.securityContext?.allowPrivilegeEscalation, `${w.metadata.name}/${c.name}`).toBe(false);
        expect(c.securityContext?.readOnlyRootFilesystem, `${w.metadata.name}/${c.name}`).toBe(true);
        expect(c.securityContext?.capabilities?.drop, `${w.metadata.name}/${c.name}`).toEqual(['ALL']);
      }
    }
  });

  it('publishes the observability UIs of the compose stack on loopback only', () => {
    for (const name of ['jaeger', 'prometheus', 'grafana']) {
      const ports: string[] = compose.services[name]?.ports ?? [];
      expect(ports.length, name).toBeGreaterThan(0);
      for (const p of ports) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    }
  });
});
