import type { RawEvent } from '@clerk-sync/events';
import { exceedsJsonDepth } from './json-depth.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The verified body as an event with a string `type` and an object `data`, or why it is not one.
 * Nesting is checked before parsing: `JSON.parse` copes with deep nesting, but writing the job
 * (`JSON.stringify`) would overflow the stack.
 */
export function parseWebhookEvent(
  body: Uint8Array,
  maxDepth: number,
): RawEvent | 'too_deep' | 'invalid_json' | 'invalid_event' {
  if (exceedsJsonDepth(body, maxDepth)) return 'too_deep';
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(body));
  } catch {
    return 'invalid_json';
  }
  return isRawEvent(parsed) ? parsed : 'invalid_event';
}

function isRawEvent(value: unknown): value is RawEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { type, data } = value as Record<string, unknown>;
  return (
    typeof type === 'string' &&
    type.length > 0 &&
    type.length <= 200 &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data)
  );
}
