import { InvalidEventError } from '@clerk-sync/events';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from './env.js';
import { createInstanceRouter, type InstanceRouter } from './instance-router.js';

/**
 * Issue #18: each delivery writes as the instance whose signing secret verified it. The router is
 * built from the worker's real configuration parsing, so these cases are the ones a deployment meets.
 */
const PROD = 'ins_prod1';
const DEV = 'ins_dev1';

const routerFor = (env: Record<string, string>): InstanceRouter =>
  createInstanceRouter(readWorkerEnv({ DB_SCHEMA: 'clerk', ...env }).instances);

/** The reason a delivery is refused with; fails the test if it is routed instead. */
function refusal(route: InstanceRouter, jobInstance: string | undefined, envelopeId: string | null): string {
  try {
    const routed = route(jobInstance, envelopeId);
    throw new Error(`expected a refusal, got ${JSON.stringify(routed)}`);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return error.reason;
  }
}

describe('createInstanceRouter with two named instances', () => {
  const route = routerFor({ CLERK_INSTANCES: `prod:${PROD}:schema_p, dev:${DEV}` });

  it("routes a job to the instance it names, with that instance's id and schema (DB_SCHEMA by default)", () => {
    expect(route('prod', PROD)).toEqual({ name: 'prod', instanceId: PROD, schema: 'schema_p' });
    expect(route('dev', DEV)).toEqual({ name: 'dev', instanceId: DEV, schema: 'clerk' });
  });

  it("records the job's instance when the envelope names none", () => {
    expect(route('dev', null)).toEqual({ name: 'dev', instanceId: DEV, schema: 'clerk' });
  });

  it('refuses a job naming an instance the worker does not configure, listing the configured ones', () => {
    expect(refusal(route, 'staging', STAGING_ID)).toBe(
      'instance: the job names instance "staging", which this worker does not configure (CLERK_INSTANCES: prod, dev)',
    );
  });

  it("refuses an event verified with prod's secret that names dev's instance", () => {
    expect(refusal(route, 'prod', DEV)).toBe(
      `instance: verified with the signing secret of instance prod (${PROD}), but the event names ${DEV}`,
    );
  });

  it('matches a job from an older ingest (no instance) by the envelope id', () => {
    expect(route(undefined, DEV)).toEqual({ name: 'dev', instanceId: DEV, schema: 'clerk' });
    expect(route(undefined, PROD)).toEqual({ name: 'prod', instanceId: PROD, schema: 'schema_p' });
  });

  it('refuses an older job whose envelope names no configured instance, or none at all', () => {
    const reason = (shown: string) =>
      `instance: the job names no instance (an older ingest enqueued it) and its instance_id ${shown} is none of CLERK_INSTANCES`;
    expect(refusal(route, undefined, STAGING_ID)).toBe(reason(STAGING_ID));
    expect(refusal(route, undefined, null)).toBe(reason('none'));
  });

  it('shows an envelope id that is no well-formed ins_… quoted and cut to 40 characters', () => {
    const weird = `ins_${'x'.repeat(30)}\n"; DROP TABLE users; --${'y'.repeat(50)}`;
    const shown = JSON.stringify(weird.slice(0, 40));
    expect(refusal(route, 'prod', weird)).toBe(
      `instance: verified with the signing secret of instance prod (${PROD}), but the event names ${shown}`,
    );
    expect(refusal(route, undefined, weird)).toContain(`its instance_id ${shown} is none`);
    expect(refusal(route, 'prod', 'ins_')).toContain('but the event names "ins_"');
    expect(refusal(route, 'prod', `ins_${'a'.repeat(65)}`)).toContain(
      `but the event names ${JSON.stringify(`ins_${'a'.repeat(36)}`)}`,
    );
  });

  it('lets an allowlist that lists every configured id pass them all', () => {
    const allowed = routerFor({
      CLERK_INSTANCES: `prod:${PROD}, dev:${DEV}`,
      CLERK_INSTANCE_ALLOWLIST: `${PROD} ${DEV}`,
    });
    expect(allowed('prod', PROD).instanceId).toBe(PROD);
    expect(allowed('dev', null).instanceId).toBe(DEV);
  });
});

const STAGING_ID = 'ins_staging1';

describe('createInstanceRouter with the single default instance', () => {
  it('without CLERK_INSTANCE_ID records whatever instance the envelope names, or null', () => {
    const route = routerFor({});
    expect(route('default', STAGING_ID)).toEqual({
      name: 'default',
      instanceId: STAGING_ID,
      schema: 'clerk',
    });
    expect(route(undefined, PROD)).toEqual({ name: 'default', instanceId: PROD, schema: 'clerk' });
    expect(route(undefined, null)).toEqual({ name: 'default', instanceId: null, schema: 'clerk' });
  });

  it('with CLERK_INSTANCE_ID records it, and refuses an envelope naming another', () => {
    const route = routerFor({ CLERK_INSTANCE_ID: PROD });
    expect(route(undefined, null)).toEqual({ name: 'default', instanceId: PROD, schema: 'clerk' });
    expect(route('default', PROD).instanceId).toBe(PROD);
    expect(refusal(route, undefined, DEV)).toBe(
      `instance: verified with the signing secret of instance default (${PROD}), but the event names ${DEV}`,
    );
  });

  it('refuses a job naming a named instance when none is configured', () => {
    expect(refusal(routerFor({}), 'prod', PROD)).toBe(
      'instance: the job names instance "prod", which this worker does not configure (CLERK_INSTANCES: default)',
    );
  });

  it('with an allowlist and no CLERK_INSTANCE_ID applies listed instances and refuses the others', () => {
    const route = routerFor({ CLERK_INSTANCE_ALLOWLIST: PROD });
    expect(route('default', PROD).instanceId).toBe(PROD);
    expect(route(undefined, PROD).instanceId).toBe(PROD);
    expect(refusal(route, 'default', DEV)).toBe(`instance: ${DEV} is not in CLERK_INSTANCE_ALLOWLIST`);
    expect(refusal(route, undefined, null)).toBe('instance: none is not in CLERK_INSTANCE_ALLOWLIST');
    expect(refusal(route, 'default', 'not-an-id')).toBe(
      'instance: "not-an-id" is not in CLERK_INSTANCE_ALLOWLIST',
    );
  });

  it('refuses to start with an allowlist that leaves out the CLERK_INSTANCE_ID: every event would be refused', () => {
    expect(() => routerFor({ CLERK_INSTANCE_ID: DEV, CLERK_INSTANCE_ALLOWLIST: PROD })).toThrowError(
      `CLERK_INSTANCE_ALLOWLIST: leaves out ${DEV}, the CLERK_INSTANCE_ID: every event would be refused`,
    );
  });
});
