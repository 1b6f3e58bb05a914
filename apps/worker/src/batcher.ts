import type { ApplyResult } from '@clerk-sync/db';
import type { PreparedEvent } from '@clerk-sync/events';
import { attributes, spanNames, traced } from '@clerk-sync/telemetry';
import {
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { isTransientError, jobError } from './classify-error.js';

export interface BatchReport<E extends PreparedEvent = PreparedEvent> {
  size: number;
  seconds: number;
  /** True when the batch failed and its events were applied one by one. */
  isolated: boolean;
  /** The events that committed, with their outcome; those that failed are not in it. */
  results: ApplyResult[];
  /** Events of this batch whose jobs failed (retried if transient, else dead-lettered). */
  failed: number;
  /** Why the batch (or, isolated, its first failing event) failed; no payload, only the error's message. */
  error?: string;
  events: E[];
}

export interface BatcherOptions<E extends PreparedEvent = PreparedEvent> {
  max: number;
  waitMs: number;
  apply: (events: E[]) => Promise<ApplyResult[]>;
  onBatch?: (report: BatchReport<E>) => void;
}

interface Item<E> {
  event: E;
  /** The job's consumer span: the batch span links to it. */
  span?: SpanContext;
  resolve: (result: ApplyResult) => void;
  reject: (error: Error) => void;
}

const tracer = trace.getTracer('clerk-sync-worker');

/**
 * Gathers the events of jobs that are active at the same time and applies them together, in one
 * transaction. When nothing is being written, a batch leaves at once with what arrived in the same
 * turn of the event loop (low lag at low load); while batches are being written, events gather
 * until `max` are waiting, `waitMs` has passed, or the writes finish (large batches under load).
 *
 * If a batch fails with an error that is not clearly transient (see `isTransientError`): data
 * Postgres refuses, or an event our code cannot convert, its events are applied one by one, so that
 * only the culprit fails (as `UnrecoverableError`) and its neighbours complete. A transient failure
 * (Postgres away) fails the whole batch: each job is retried with backoff. Either way `onBatch`
 * reports how many failed.
 */
export class Batcher<E extends PreparedEvent = PreparedEvent> {
  readonly #options: BatcherOptions<E>;
  #items: Item<E>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(options: BatcherOptions<E>) {
    this.#options = options;
  }

  /** Resolves with the event's result once its batch committed (its outcome, and what it erased or conflicted with). */
  submit(event: E, span?: SpanContext): Promise<ApplyResult> {
    return new Promise((resolve, reject) => {
      this.#items.push({ event, span, resolve, reject });
      if (this.#items.length >= this.#options.max) this.#flush();
      else if (this.#inFlight.size === 0 && !this.#immediate) {
        // Nothing being written: go now, with whatever arrives in this turn of the event loop.
        this.#immediate = setImmediate(() => {
          this.#immediate = undefined;
          this.#flush();
        });
      } else this.#timer ??= setTimeout(() => this.#flush(), this.#options.waitMs);
    });
  }

  /** Applies what is waiting now and resolves when every batch under way has finished. */
  async drain(): Promise<void> {
    this.#flush();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#items.length === 0) return;
    const batch = this.#items.splice(0, this.#options.max);
    const run = this.#run(batch).finally(() => {
      this.#inFlight.delete(run);
      // What gathered while this batch was written goes next, without waiting out the timer.
      if (this.#inFlight.size === 0 && this.#items.length > 0) this.#flush();
    });
    this.#inFlight.add(run);
    if (this.#items.length > 0) this.#timer = setTimeout(() => this.#flush(), 0);
  }

  /**
   * One span per batch: a child of the first event's consumer span (so a lone delivery is one trace,
   * end to end), linked to every event's span. The database spans of the apply nest under it.
   */
  #run(batch: Item<E>[]): Promise<void> {
    const spans = batch.flatMap((i) => (i.span && isSpanContextValid(i.span) ? [i.span] : []));
    const parent = spans[0] ? trace.setSpanContext(ROOT_CONTEXT, spans[0]) : ROOT_CONTEXT;
    return traced(
      tracer,
      spanNames.applyBatch,
      {
        kind: SpanKind.INTERNAL,
        links: spans.map((context) => ({ context })),
        attributes: { [attributes.batchCount]: batch.length },
      },
      () => this.#apply(batch),
      parent,
    );
  }

  async #apply(batch: Item<E>[]): Promise<void> {
    const started = performance.now();
    const events = batch.map((i) => i.event);
    const report = (results: ApplyResult[], isolated: boolean, failed: number, error?: unknown) =>
      this.#options.onBatch?.({
        size: batch.length,
        seconds: (performance.now() - started) / 1000,
        isolated,
        results,
        failed,
        ...(error === undefined ? {} : { error: errorMessage(error) }),
        events,
      });
    try {
      const results = await this.#options.apply(events);
      batch.forEach((item, i) => {
        item.resolve(results[i] ?? { svixId: item.event.svixId, outcome: 'stale' });
      });
      report(results, false, 0);
      return;
    } catch (error) {
      trace.getActiveSpan()?.recordException(error as Error);
      trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      if (batch.length === 1 || isTransientError(error)) {
        for (const item of batch) item.reject(jobError(error));
        report([], false, batch.length, error);
        return;
      }
    }
    const results: ApplyResult[] = [];
    let failed = 0;
    let firstError: unknown;
    for (const item of batch) {
      try {
        const [found] = await this.#options.apply([item.event]);
        const result = found ?? { svixId: item.event.svixId, outcome: 'stale' as const };
        results.push(result);
        item.resolve(result);
      } catch (error) {
        failed += 1;
        firstError ??= error;
        item.reject(jobError(error));
      }
    }
    report(results, true, failed, firstError);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
