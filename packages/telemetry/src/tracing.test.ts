import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The OpenTelemetry SDK reads `process.env`, so each scenario runs in its own Node process against the
 * compiled package, as the apps load it (`pnpm test` builds first), with only the variables it sets.
 */
const tracingModule = new URL('../dist/index.js', import.meta.url).href;
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const SPAN_NAME = 'clerk.tracing_test_span';

/**
 * Records every module specifier the process resolves, starts tracing, ends one span, then prints
 * what it saw. With `hold`, it keeps running without flushing until its stdin closes.
 */
const childScript = `
import { registerHooks } from 'node:module';
const resolved = new Set();
registerHooks({ resolve(specifier, context, next) { resolved.add(specifier); return next(specifier, context); } });
const [moduleUrl, mode] = process.argv.slice(1);
const { startTracing } = await import(moduleUrl);
const { trace } = await import('@opentelemetry/api');
const tracing = await startTracing({ serviceName: 'clerk-sync-tracing-test', env: process.env });
trace.getTracer('tracing-test').startSpan(${JSON.stringify(SPAN_NAME)}).end();
const report = () => process.stdout.write(JSON.stringify({ enabled: tracing.enabled, modules: [...resolved] }) + '\\n');
if (mode === 'hold') {
  report();
  process.stdin.on('end', () => void tracing.shutdown());
  process.stdin.resume();
} else {
  await tracing.shutdown();
  report();
}
`;

interface Report {
  enabled: boolean;
  modules: string[];
}

interface Child {
  process: ChildProcess;
  /** The child's report, and when it arrived. */
  report: Promise<{ report: Report; at: number }>;
  exited: Promise<unknown>;
  output: () => { stdout: string; stderr: string };
}

const children: Child[] = [];
const servers: (Server | Http2Server)[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null) child.process.kill();
    await child.exited;
  }
  for (const server of servers.splice(0)) server.close();
});

function run(env: Record<string, string>, mode: 'flush' | 'hold' = 'flush'): Child {
  const child = spawn(process.execPath, ['--input-type=module', '-e', childScript, tracingModule, mode], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const exited = once(child, 'exit');
  const report = new Promise<{ report: Report; at: number }>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += String(d);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ report: JSON.parse(line) as Report, at: Date.now() });
    });
    void exited.then(([code]) => reject(new Error(`child exited ${code} without a report: ${stderr}`)));
  });
  const handle = { process: child, report, exited, output: () => ({ stdout, stderr }) };
  children.push(handle);
  return handle;
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** Whatever reached a receiver, and a way to wait for the next arrival. */
class Inbox {
  readonly requests: Received[] = [];
  private waiters: (() => void)[] = [];

  add(request: Received): void {
    this.requests.push(request);
    for (const wake of this.waiters.splice(0)) wake();
  }

  async first(timeoutMs: number): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`nothing exported within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests[0] as Received;
  }
}

/** A real OTLP/HTTP receiver on a free port: it answers 200 with an empty export response. */
async function otlpHttpReceiver(): Promise<{ endpoint: string; inbox: Inbox }> {
  const inbox = new Inbox();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      inbox.add({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
      const json = String(req.headers['content-type']).includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, inbox };
}

/** A real OTLP/gRPC receiver (HTTP/2 without TLS): it answers each call with an empty message and status 0. */
async function otlpGrpcReceiver(): Promise<{ endpoint: string; inbox: Inbox }> {
  const inbox = new Inbox();
  const server = createHttp2Server();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const { ':path': path, ...rest } = headers;
      inbox.add({ path: String(path), headers: rest, body: Buffer.concat(chunks), at: Date.now() });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.alloc(5)); // an uncompressed, zero-length ExportTraceServiceResponse
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, inbox };
}

interface JsonExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string }[] }[];
  }[];
}

const spanNamesIn = (body: JsonExport) =>
  body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => span.name)));

const resourceOf = (body: JsonExport) =>
  Object.fromEntries(
    (body.resourceSpans[0]?.resource.attributes ?? []).map((a) => [a.key, a.value.stringValue]),
  );

const sdkModules = (report: Report) =>
  report.modules.filter((m) => m.startsWith('@opentelemetry/') && m !== '@opentelemetry/api');

describe('startTracing', () => {
  it('loads no SDK module when tracing is off, and loads the SDK when an endpoint is set', async () => {
    const { endpoint, inbox } = await otlpHttpReceiver();
    const noEndpoint = (await run({}).report).report;
    const disabled = (await run({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }).report)
      .report;
    const noneExporter = (
      await run({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' }).report
    ).report;
    for (const report of [noEndpoint, disabled, noneExporter]) {
      expect(report.enabled).toBe(false);
      expect(report.modules).toContain('@opentelemetry/api');
      expect(sdkModules(report)).toEqual([]);
    }
    expect(inbox.requests).toHaveLength(0);

    const on = (await run({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).report).report;
    expect(on.enabled).toBe(true);
    expect(sdkModules(on)).toEqual(expect.arrayContaining(['@opentelemetry/sdk-node']));
    expect(inbox.requests.length).toBeGreaterThan(0);
  });

  it('exports a span within 2 s, without a flush, when OTEL_BSP_SCHEDULE_DELAY is 200', async () => {
    const { endpoint, inbox } = await otlpHttpReceiver();
    const child = run(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      'hold',
    );
    const { report, at: spanEnded } = await child.report;
    expect(report.enabled).toBe(true);
    const received = await inbox.first(2_000);
    expect(received.at - spanEnded).toBeLessThan(2_000);
    expect(child.process.exitCode).toBeNull(); // still running: the batch processor sent it on its own
    expect(spanNamesIn(JSON.parse(received.body.toString()) as JsonExport)).toEqual([SPAN_NAME]);
  });

  it('exports nothing with the traceidratio sampler at 0, and everything at 1', async () => {
    const dropped = await otlpHttpReceiver();
    const none = run({
      OTEL_EXPORTER_OTLP_ENDPOINT: dropped.endpoint,
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
    });
    expect((await none.report).report.enabled).toBe(true);
    await none.exited; // shut down, so the batch processor has flushed whatever it held
    expect(dropped.inbox.requests).toHaveLength(0);

    const kept = await otlpHttpReceiver();
    const all = run({
      OTEL_EXPORTER_OTLP_ENDPOINT: kept.endpoint,
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1',
    });
    await all.exited;
    expect(kept.inbox.requests[0]?.body.includes(SPAN_NAME)).toBe(true);
  });

  it('sends OTEL_EXPORTER_OTLP_HEADERS as request headers', async () => {
    const { endpoint, inbox } = await otlpHttpReceiver();
    await run({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token,x-tenant=clerk-sync',
    }).exited;
    const received = await inbox.first(0);
    expect(received.headers.authorization).toBe('Bearer collector-token');
    expect(received.headers['x-tenant']).toBe('clerk-sync');
  });

  it('puts OTEL_RESOURCE_ATTRIBUTES in the resource, with the app name as the default service name', async () => {
    const { endpoint, inbox } = await otlpHttpReceiver();
    await run({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,cloud.region=eu-west-1',
    }).exited;
    const resource = resourceOf(JSON.parse((await inbox.first(0)).body.toString()) as JsonExport);
    expect(resource).toMatchObject({
      'service.name': 'clerk-sync-tracing-test',
      'deployment.environment.name': 'staging',
      'cloud.region': 'eu-west-1',
    });
  });

  it('lets OTEL_SERVICE_NAME name the service', async () => {
    const { endpoint, inbox } = await otlpHttpReceiver();
    await run({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'ingest-eu',
    }).exited;
    const resource = resourceOf(JSON.parse((await inbox.first(0)).body.toString()) as JsonExport);
    expect(resource['service.name']).toBe('ingest-eu');
  });

  it('sends protobuf by default and for http/protobuf, and JSON for http/json', async () => {
    const exportWith = async (protocol?: string) => {
      const { endpoint, inbox } = await otlpHttpReceiver();
      await run({
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        ...(protocol ? { OTEL_EXPORTER_OTLP_PROTOCOL: protocol } : {}),
      }).exited;
      return inbox.first(0);
    };
    for (const received of [await exportWith(), await exportWith('http/protobuf')]) {
      expect(received.path).toBe('/v1/traces');
      expect(received.headers['content-type']).toBe('application/x-protobuf');
      expect(received.body[0]).not.toBe('{'.charCodeAt(0));
      expect(received.body.includes(SPAN_NAME)).toBe(true); // a protobuf string field is its raw bytes
    }
    const json = await exportWith('http/json');
    expect(json.headers['content-type']).toBe('application/json');
    expect(spanNamesIn(JSON.parse(json.body.toString()) as JsonExport)).toEqual([SPAN_NAME]);
  });

  it('writes the SDK diagnostics at OTEL_LOG_LEVEL to stderr, keeping stdout for JSON logs', async () => {
    const { endpoint, inbox } = await otlpHttpReceiver();
    const child = run({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_LOG_LEVEL: 'all' });
    await child.exited;
    expect(inbox.requests).toHaveLength(1);
    const { stdout, stderr } = child.output();
    expect(stderr).toContain('OTLPExportDelegate'); // the exporter's debug messages, logged after start
    expect(stdout).not.toContain('OTLPExportDelegate');
  });

  it('exports over gRPC when OTEL_EXPORTER_OTLP_PROTOCOL is grpc', async () => {
    const { endpoint, inbox } = await otlpGrpcReceiver();
    await run({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).exited;
    const received = await inbox.first(0);
    expect(received.path).toBe('/opentelemetry.proto.collector.trace.v1.TraceService/Export');
    expect(received.headers['content-type']).toBe('application/grpc');
    expect(received.body.includes(SPAN_NAME)).toBe(true);
  });
});
