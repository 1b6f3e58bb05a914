export {
  type Action,
  type ClerkEnvelope,
  type FactoryEntity,
  makeEvent,
  type SyncedKind,
} from './event-factory.js';
export { OTHER_SIGNING_SECRET, svixHeaders, TEST_SIGNING_SECRET } from './sign.js';
export { TcpProxy } from './tcp-proxy.js';
export {
  loadWebhookExamples,
  sharedDir,
  type WebhookExample,
  webhookExamplesDir,
} from './webhook-examples.js';
