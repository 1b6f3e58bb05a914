/**
 * A copy of `value` without any `unsafe_metadata` field, at any depth. Users write that field from the
 * browser, so it may hold anything they typed; we never store it, and that includes Redis: the
 * ingest strips it before enqueueing, and a dead letter is stripped again in case its job predates that.
 * Recursion is bounded by the ingest's JSON depth limit.
 */
export function withoutUnsafeMetadata<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUnsafeMetadata) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'unsafe_metadata') continue;
    // defineProperty, not assignment: a `__proto__` key stays a plain field instead of a prototype.
    Object.defineProperty(out, key, {
      value: withoutUnsafeMetadata(field),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}
