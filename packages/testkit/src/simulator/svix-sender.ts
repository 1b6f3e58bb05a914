import { OTHER_SIGNING_SECRET, svixHeaders, TEST_SIGNING_SECRET } from '../sign.js';
import type { HistoryEvent } from './history.js';
import { seededRandom } from './history.js';

export interface SenderStats {
  events: number;
  deliveries: number;
  duplicates: number;
  retries: number;
  badRequests: number;
  badAccepted: number;
  timeouts: number;
}

export interface SenderOptions {
  /** Where to post; with several (ingest replicas), each attempt goes to one drawn at random. */
  url: string | readonly string[];
  /** Deliveries in flight at once; with random delays this reorders across and within entities. */
  concurrency: number;
  /** Share of events delivered again (on top of retries). */
  duplicateRate: number;
  /** Share of requests that are bad: tampered body, wrong secret, or a stale timestamp. */
  badRate: number;
  /** Upper bound of a random pause before each delivery, in ms. */
  jitterMs: number;
  timeoutMs: number;
  seed: number;
  signingSecret?: string;
}

/**
 * Delivers a history over real HTTP the way Svix does: at least once — a non-2xx answer, a network
 * error or a timeout is retried with backoff until it is accepted — with random extra duplicates and
 * random order. About `badRate` of requests are forgeries, which must be refused and never retried.
 */
export async function deliverLikeSvix(history: HistoryEvent[], options: SenderOptions): Promise<SenderStats> {
  const rand = seededRandom(options.seed);
  const secret = options.signingSecret ?? TEST_SIGNING_SECRET;
  const stats: SenderStats = {
    events: history.length,
    deliveries: 0,
    duplicates: 0,
    retries: 0,
    badRequests: 0,
    badAccepted: 0,
    timeouts: 0,
  };
  const work: Array<{ event: HistoryEvent; bad?: 'tampered' | 'wrong-secret' | 'stale' }> = [];
  for (const event of history) {
    work.push({ event });
    if (rand() < options.duplicateRate) {
      work.push({ event });
      stats.duplicates += 1;
    }
    if (rand() < options.badRate) {
      const kind = (['tampered', 'wrong-secret', 'stale'] as const)[Math.floor(rand() * 3)] ?? 'tampered';
      work.push({ event, bad: kind });
    }
  }
  // Mostly in history order, but shuffled within a sliding window: Svix keeps no order.
  for (let i = work.length - 1; i > 0; i--) {
    const j = Math.max(0, i - Math.floor(rand() * 40));
    [work[i], work[j]] = [work[j] as (typeof work)[number], work[i] as (typeof work)[number]];
  }

  const urls = typeof options.url === 'string' ? [options.url] : options.url;
  // One URL draws nothing, so a seed replays the same run as before there could be several.
  const pickUrl = () => (urls.length === 1 ? urls[0] : urls[Math.floor(rand() * urls.length)]) ?? '';
  const post = async (body: string, headers: Record<string, string>): Promise<number> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    try {
      const res = await fetch(pickUrl(), { method: 'POST', body, headers, signal: controller.signal });
      await res.arrayBuffer();
      return res.status;
    } catch {
      if (controller.signal.aborted) stats.timeouts += 1;
      return 0;
    } finally {
      clearTimeout(timer);
    }
  };

  let next = 0;
  const runOne = async () => {
    for (;;) {
      const item = work[next++];
      if (!item) return;
      await new Promise((r) => setTimeout(r, Math.floor(rand() * options.jitterMs)));
      const body = JSON.stringify(item.event.envelope);
      if (item.bad) {
        stats.badRequests += 1;
        const id = `bad_${item.event.svixId}`;
        const headers =
          item.bad === 'wrong-secret'
            ? svixHeaders(OTHER_SIGNING_SECRET, id, body)
            : item.bad === 'stale'
              ? svixHeaders(secret, id, body, new Date(Date.now() - 10 * 60_000))
              : svixHeaders(secret, id, body);
        // Tampering: one byte more than what was signed.
        const status = await post(item.bad === 'tampered' ? `${body} ` : body, headers);
        if (status >= 200 && status < 300) stats.badAccepted += 1;
        continue;
      }
      for (let attempt = 0; ; attempt++) {
        stats.deliveries += 1;
        // Svix signs each attempt afresh, with the same message id.
        const status = await post(body, svixHeaders(secret, item.event.svixId, body));
        if (status >= 200 && status < 300) break;
        if (status >= 400 && status < 500) throw new Error(`a good delivery was refused with ${status}`);
        stats.retries += 1;
        if (attempt > 200) throw new Error(`gave up on ${item.event.svixId} after ${attempt} attempts`);
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6))));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, runOne));
  return stats;
}
