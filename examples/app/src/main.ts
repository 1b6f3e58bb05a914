import { createClient } from '@clerk-sync/client';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { exampleEnv } from './env.js';
import { printChanges } from './print-changes.js';

const parsed = exampleEnv.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(1);
}
const env = parsed.data;
const write = (line: string) => process.stdout.write(`${line}\n`);

const client = createClient({
  databaseUrl: env.DATABASE_URL,
  schema: env.DB_SCHEMA,
  listen: env.LISTEN_URL === 'false' ? false : (env.LISTEN_URL ?? env.DATABASE_URL),
});
const subscription = await printChanges(client, env.FROM_SEQ, write);
void subscription.done.catch((error: unknown) => {
  console.error('change feed stopped:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
const server = serve({ fetch: createApp(client).fetch, port: env.PORT, hostname: env.HOST }, (info) =>
  write(JSON.stringify({ msg: 'listening', url: `http://${env.HOST}:${info.port}` })),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    void client.close().then(() => process.exit());
  });
}
