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

/**
 * {@link withoutUnsafeMetadata} in place, for a value its caller owns (the ingest's freshly parsed
 * body): deletes every `unsafe_metadata` key, at any depth, without copying the rest. A `__proto__`
 * key that `JSON.parse` made stays an ordinary field; nothing here assigns, so no prototype changes.
 */
export function deleteUnsafeMetadata(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) deleteUnsafeMetadata(item);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, 'unsafe_metadata')) delete record.unsafe_metadata;
  for (const key of Object.keys(record)) deleteUnsafeMetadata(record[key]);
}
