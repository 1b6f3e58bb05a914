import { InvalidEventError } from '@clerk-sync/events';
import { describe, expect, it } from 'vitest';
import { parseJobPayload } from './job-payload.js';

describe('parseJobPayload', () => {
  it('accepts a v1 payload and keeps unknown envelope fields', () => {
    const job = parseJobPayload({
      v: 1,
      svixId: 'msg_1',
      receivedAt: 1,
      event: { type: 'x.y', data: {}, instance_id: 'ins_1' },
    });
    expect(job.event.instance_id).toBe('ins_1');
  });

  it.each([
    [{ v: 2, svixId: 'msg_1', receivedAt: 1, event: { type: 'x', data: {} } }, 'v'],
    [{ v: 1, svixId: '', receivedAt: 1, event: { type: 'x', data: {} } }, 'svixId'],
    [{ v: 1, svixId: 'm', receivedAt: 1, event: { type: 'x' } }, 'event.data'],
    [null, '(root)'],
  ])('rejects %j, naming %s', (input, field) => {
    expect(() => parseJobPayload(input)).toThrowError(InvalidEventError);
    expect(() => parseJobPayload(input)).toThrowError(field);
  });
});
