import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository: Clerk's published examples live there, not in this repo. */
export const sharedDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../shared');

export const webhookExamplesDir = join(sharedDir, 'clerk', 'webhook-examples');

export interface WebhookExample {
  /** Path below the examples folder, e.g. `user.created.json` or `legacy/user.deleted.legacy.json`. */
  file: string;
  event: { type: string; data: Record<string, unknown>; timestamp?: number; [field: string]: unknown };
}

/**
 * Every example payload Clerk publishes, current and legacy, read fresh on each call so tests can
 * mutate them. Throws if the folder is missing: a test over zero fixtures would prove nothing.
 */
export function loadWebhookExamples(): WebhookExample[] {
  const files = [
    ...readdirSync(webhookExamplesDir).filter((f) => f.endsWith('.json')),
    ...readdirSync(join(webhookExamplesDir, 'legacy'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => `legacy/${f}`),
  ].sort();
  if (files.length === 0) throw new Error(`no webhook examples in ${webhookExamplesDir}`);
  return files.map((file) => ({
    file,
    event: JSON.parse(readFileSync(join(webhookExamplesDir, file), 'utf8')),
  }));
}
