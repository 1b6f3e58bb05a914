export {
  loadWebhookExamples,
  sharedDir,
  type WebhookExample,
  webhookExamplesDir,
} from './webhook-examples.js';
