import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags an image starts its app with: the options between `node` and `dist/main.js` in the
 * `CMD` of its stage in infra/docker/Dockerfile. The bench starts the app with the same flags, so it
 * measures the processes as they ship.
 */
export function shippedNodeFlags(root: string, target: 'ingest' | 'worker'): string[] {
  const dockerfile = readFileSync(join(root, 'infra/docker/Dockerfile'), 'utf8');
  const stage = dockerfile.split(/^FROM /m).find((s) => s.startsWith(`runtime AS ${target}\n`));
  const cmd = stage?.match(/^CMD (\[.*\])$/m)?.[1];
  const args = cmd ? (JSON.parse(cmd) as string[]) : [];
  if (args[0] !== 'node' || args.at(-1) !== 'dist/main.js') {
    throw new Error(`infra/docker/Dockerfile: no CMD ["node", …, "dist/main.js"] in the ${target} stage`);
  }
  return args.slice(1, -1);
}
