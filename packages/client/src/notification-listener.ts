import pg from 'pg';

/** The channel the `changes` trigger notifies: `{schema, seq, entity, id, op}` after each commit. */
export const CHANGES_CHANNEL = 'clerk_changes';

export interface NotificationListener {
  /** Calls `wake` on each notification for `schema`; returns the function that stops it. */
  watch(wake: () => void): () => void;
  /** True while a LISTEN connection is up. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/**
 * One `LISTEN clerk_changes` connection for a client, opened on first use and reopened with backoff
 * (1 s, doubling, at most 30 s) when it drops. A notification only wakes readers early: they poll
 * anyway, so a lost or late notification (or a pooler that swallows them) costs latency, not changes.
 */
export function notificationListener(connectionString: string, schema: string): NotificationListener {
  const watchers = new Set<() => void>();
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retryMs = 1000;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    timer = undefined;
    if (closed) return;
    const next = new pg.Client({ connectionString });
    client = next;
    next.on('error', () => reconnect(next));
    next.on('end', () => reconnect(next));
    next.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL || !isFor(schema, message.payload)) return;
      for (const wake of watchers) wake();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGES_CHANNEL}`);
      listening = true;
      retryMs = 1000;
      // Changes committed while nobody listened: wake everyone once to read them.
      for (const wake of watchers) wake();
    } catch {
      reconnect(next);
    }
  };
  const reconnect = (failed: pg.Client) => {
    if (client !== failed || closed) return;
    listening = false;
    client = undefined;
    failed.end().catch(() => {});
    timer = setTimeout(connect, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, 30_000);
  };

  return {
    watch(wake) {
      watchers.add(wake);
      if (!client && !timer && !closed) void connect();
      return () => watchers.delete(wake);
    },
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      listening = false;
      clearTimeout(timer);
      const open = client;
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}

/** Notifications of every schema of the database share the channel; a payload names its schema. */
function isFor(schema: string, payload: string | undefined): boolean {
  try {
    const parsed: unknown = JSON.parse(payload ?? '');
    return typeof parsed === 'object' && parsed !== null && 'schema' in parsed && parsed.schema === schema;
  } catch {
    return false;
  }
}
