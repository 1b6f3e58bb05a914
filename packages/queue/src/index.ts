/** Fail a job with it to skip its retries: it goes to the dead letters at once. Re-exported so error classification needs no BullMQ import. */

/** BullMQ's job and queue types, so that code handed a job or a queue needs no BullMQ import of its own. */
export type { Job, Queue } from 'bullmq';
export { UnrecoverableError } from 'bullmq';
export {
  connectRedis,
  type RedisConnection,
  type RedisRole,
  type RedisTarget,
  redisTarget,
} from './connect-redis.js';
export {
  type DeadLetter,
  type DeadLetterSummary,
  DeadLetters,
  type RequeueResult,
  redactFailureReason,
} from './dead-letters/dead-letters.js';
export { type PurgeReport, purgeSubjects } from './dead-letters/purge-subjects.js';
export {
  type ReplayReport,
  type ReplaySelector,
  ReplaySelectorError,
  replayDeadLetters,
} from './dead-letters/replay.js';
export {
  EnqueueRejectedError,
  type EnqueueResult,
  Enqueuer,
  type EnqueuerOptions,
  EnqueueUnavailableError,
  isRedisFailure,
  withTimeout,
} from './enqueuer.js';
export { type EventQueues, openQueues } from './event-queues.js';
export { jobOptions, type RetryPolicy } from './job-options.js';
export { type JobPayload, type JobPayloadV1, parseJobPayload } from './job-payload.js';
export { isScrubbed, JobScrubber, type ScrubbedPayload } from './job-scrubber.js';
export { takeLease } from './lease.js';
export { type QueueEnv, queueEnv, refineQueueEnv } from './queue-env.js';
export { DEFAULT_QUEUE_NAME, deadLetterQueueName, queueHashTag } from './queue-names.js';
export { redactSubjects, type SubjectRedaction } from './redact-subjects.js';
export { parseRedisClusterNodes, type RedisNode } from './redis-cluster-nodes.js';
