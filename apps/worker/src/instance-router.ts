import { INSTANCE_ID } from '@clerk-sync/config';
import { InvalidEventError, type PreparedEvent } from '@clerk-sync/events';
import type { WorkerInstance, WorkerInstances } from './env.js';

/** Where a delivery may write: the instance its rows will record, and that instance's schema. */
export interface Route {
  /** The configured name (`default` without `CLERK_INSTANCES`). */
  name: string;
  /** Recorded on every row it writes; `null` only when neither the configuration nor the event names one. */
  instanceId: string | null;
  schema: string;
}

/** A prepared event with its route applied: `instanceId` is the route's, `schema` where it is written. */
export type RoutedEvent = PreparedEvent & { schema: string };

/** Decides a delivery's instance from the job's instance name and the envelope's `instance_id`. */
export type InstanceRouter = (jobInstance: string | undefined, envelopeId: string | null) => Route;

/** An id as it may appear in a reason: a well-formed `ins_…` as it is, anything else quoted and cut short. */
const shown = (id: string | null) =>
  id === null ? 'none' : INSTANCE_ID.test(id) ? id : JSON.stringify(id.slice(0, 40));

/**
 * Routes each delivery to the instance whose signing secret verified it (the ingest writes its name
 * into the job), so that instance A's secret can never write instance B's rows. A job from an older
 * ingest names no instance: with one instance configured it is that one, otherwise the envelope's
 * `instance_id` must match a configured id. Throws `InvalidEventError`, which dead-letters the job
 * with the reason, when:
 * - the job names an instance the worker does not configure;
 * - the envelope names another instance than the one whose secret verified it;
 * - `CLERK_INSTANCE_ALLOWLIST` is set and does not list the instance.
 */
export function createInstanceRouter(config: WorkerInstances): InstanceRouter {
  const byName = new Map(config.instances.map((i) => [i.name, i]));
  const byId = new Map(config.instances.flatMap((i) => (i.id ? [[i.id, i] as const] : [])));
  const names = config.instances.map((i) => i.name).join(', ');
  const only = config.instances.length === 1 ? config.instances[0] : undefined;

  const instanceOf = (jobInstance: string | undefined, envelopeId: string | null): WorkerInstance => {
    if (jobInstance !== undefined) {
      const named = byName.get(jobInstance);
      if (named) return named;
      throw new InvalidEventError(
        `instance: the job names instance ${JSON.stringify(jobInstance)}, which this worker does not configure (CLERK_INSTANCES: ${names})`,
      );
    }
    const found = only ?? (envelopeId === null ? undefined : byId.get(envelopeId));
    if (found) return found;
    throw new InvalidEventError(
      `instance: the job names no instance (an older ingest enqueued it) and its instance_id ${shown(envelopeId)} is none of CLERK_INSTANCES`,
    );
  };

  return (jobInstance, envelopeId) => {
    const instance = instanceOf(jobInstance, envelopeId);
    if (instance.id !== undefined && envelopeId !== null && envelopeId !== instance.id) {
      throw new InvalidEventError(
        `instance: verified with the signing secret of instance ${instance.name} (${instance.id}), but the event names ${shown(envelopeId)}`,
      );
    }
    const instanceId = instance.id ?? envelopeId;
    if (config.allowlist && (instanceId === null || !config.allowlist.has(instanceId))) {
      throw new InvalidEventError(`instance: ${shown(instanceId)} is not in CLERK_INSTANCE_ALLOWLIST`);
    }
    return { name: instance.name, instanceId, schema: instance.schema };
  };
}
