export { createIngestApp, type IngestDeps, type IngestOutcome } from './app.js';
export { EnqueueRejectedError, type EnqueueResult, Enqueuer, EnqueueUnavailableError } from './enqueuer.js';
export { type IngestEnv, ingestEnvKeys, readIngestEnv } from './env.js';
export { createIngestService, createProducerRedis, type IngestService } from './ingest-service.js';
export { jobOptions, type RetryPolicy } from './job-options.js';
export { createLogger, type Logger } from './logger.js';
export { parseSigningSecrets } from './signing-secrets.js';
export { createVerifier, type VerifyResult, type WebhookVerifier } from './webhook-verifier.js';
