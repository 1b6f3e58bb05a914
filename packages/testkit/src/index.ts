export {
  type Action,
  type ClerkEnvelope,
  clerkObject,
  type FactoryEntity,
  makeEvent,
  type SyncedKind,
  TEST_INSTANCE_ID,
} from './event-factory.js';
export { type CatalogEntity, type CatalogKind, catalogObject } from './fake-clerk/catalog-object.js';
export {
  FakeClerk,
  type FakeClerkOptions,
  type RecordedRequest,
  type SeedCounts,
} from './fake-clerk/fake-clerk.js';
export { CLERK_RATE_LIMITS, type RateLimit, TokenBucket } from './fake-clerk/token-bucket.js';
export { LocalRedisCluster, type RedisClusterOptions } from './local-redis-cluster.js';
export { OTHER_SIGNING_SECRET, svixHeaders, TEST_SIGNING_SECRET } from './sign.js';
export {
  type ExpectedRow,
  generateHistory,
  type History,
  type HistoryEvent,
  type HistoryOptions,
  seededRandom,
} from './simulator/history.js';
export { deliverLikeSvix, type SenderOptions, type SenderStats } from './simulator/svix-sender.js';
export { TcpProxy } from './tcp-proxy.js';
export {
  loadWebhookExamples,
  sharedDir,
  type WebhookExample,
  webhookExamplesDir,
} from './webhook-examples.js';
