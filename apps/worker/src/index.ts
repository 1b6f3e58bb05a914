export { Batcher, type BatchReport } from './batcher.js';
export { isPermanentDbError, jobError } from './classify-error.js';
export { type DeadLetter, type DeadLetterSummary, DeadLetters } from './dead-letters.js';
export { readWorkerEnv, type WorkerEnv } from './env.js';
export { createLogger, type Logger } from './logger.js';
export { type ReplayReport, type ReplaySelector, ReplaySelectorError, replayDeadLetters } from './replay.js';
export { startWorker, type WorkerHooks, type WorkerService } from './worker-service.js';
