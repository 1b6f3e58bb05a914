export {
  type Action,
  type ClerkEnvelope,
  type FactoryEntity,
  makeEvent,
  type SyncedKind,
} from './event-factory.js';
export {
  loadWebhookExamples,
  sharedDir,
  type WebhookExample,
  webhookExamplesDir,
} from './webhook-examples.js';
