export { createIngestApp, type IngestDeps, type IngestOutcome } from './app.js';
export { type IngestEnv, type IngestInstance, ingestEnvKeys, readIngestEnv } from './env.js';
export { createIngestService, type IngestService } from './ingest-service.js';
export { createLogger, type Logger } from './logger.js';
export { parseSigningSecrets } from './signing-secrets.js';
export {
  createVerifier,
  type SigningInstance,
  type VerifyResult,
  type WebhookVerifier,
} from './webhook-verifier.js';
