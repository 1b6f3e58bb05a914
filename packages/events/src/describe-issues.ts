import type { z } from 'zod';

/** Turns zod issues into one short line of paths and expectations, without echoing payload values. */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${[...prefix, ...issue.path].map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
