export {
  type Action,
  type ClerkEnvelope,
  clerkObject,
  type FactoryEntity,
  makeEvent,
  type SyncedKind,
} from './event-factory.js';
export { FakeClerk, type FakeClerkOptions, type RecordedRequest } from './fake-clerk/fake-clerk.js';
export { CLERK_RATE_LIMITS, type RateLimit, TokenBucket } from './fake-clerk/token-bucket.js';
export { OTHER_SIGNING_SECRET, svixHeaders, TEST_SIGNING_SECRET } from './sign.js';
export { TcpProxy } from './tcp-proxy.js';
export {
  loadWebhookExamples,
  sharedDir,
  type WebhookExample,
  webhookExamplesDir,
} from './webhook-examples.js';
