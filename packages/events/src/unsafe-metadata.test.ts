import { describe, expect, it } from 'vitest';
import { withoutUnsafeMetadata } from './unsafe-metadata.js';

describe('withoutUnsafeMetadata', () => {
  it('drops unsafe_metadata at any depth and keeps everything else', () => {
    const event = {
      type: 'user.updated',
      data: {
        id: 'user_1',
        public_metadata: { plan: 'pro' },
        unsafe_metadata: { note: 'typed in the browser' },
        list: [{ unsafe_metadata: { x: 1 }, keep: true }, 3, null],
      },
    };
    expect(withoutUnsafeMetadata(event)).toEqual({
      type: 'user.updated',
      data: { id: 'user_1', public_metadata: { plan: 'pro' }, list: [{ keep: true }, 3, null] },
    });
    expect(event.data.unsafe_metadata).toEqual({ note: 'typed in the browser' });
  });

  it('keeps a __proto__ key as data, not as the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = withoutUnsafeMetadata(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
