/**
 * Raised when a payload lacks a field the worker needs. The worker turns it into BullMQ's
 * `UnrecoverableError`: retrying a malformed event can never succeed.
 *
 * @example
 * try { prepareEvent(payload) } catch (e) { if (e instanceof InvalidEventError) console.log(e.reason) }
 */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';

  /** Short, log-safe explanation: field paths and expectations, never payload values. */
  readonly reason: string;

  constructor(reason: string) {
    super(`invalid event: ${reason}`);
    this.reason = reason;
  }
}
