import { describe, expect, it } from 'vitest';
import { deleteUnsafeMetadata, withoutUnsafeMetadata } from './unsafe-metadata.js';

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

describe('deleteUnsafeMetadata', () => {
  it('deletes unsafe_metadata at any depth, in place, and keeps everything else', () => {
    const event = JSON.parse(
      JSON.stringify({
        type: 'user.updated',
        data: {
          id: 'user_1',
          public_metadata: { plan: 'pro' },
          unsafe_metadata: { note: 'typed in the browser' },
          list: [{ unsafe_metadata: { x: 1 }, keep: true }, 3, null, [{ unsafe_metadata: 2 }]],
        },
      }),
    ) as Record<string, unknown>;
    deleteUnsafeMetadata(event);
    expect(event).toEqual({
      type: 'user.updated',
      data: { id: 'user_1', public_metadata: { plan: 'pro' }, list: [{ keep: true }, 3, null, [{}]] },
    });
    expect(JSON.stringify(event)).not.toContain('unsafe_metadata');
  });

  it('keeps a __proto__ key as data and reaches into it, without touching any prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"unsafe_metadata": 1, "polluted": true}, "a": 1}') as Record<
      string,
      unknown
    >;
    deleteUnsafeMetadata(parsed);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(parsed)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('leaves primitives alone', () => {
    for (const value of [null, 1, 'unsafe_metadata', true, undefined]) {
      expect(() => deleteUnsafeMetadata(value)).not.toThrow();
    }
  });
});
