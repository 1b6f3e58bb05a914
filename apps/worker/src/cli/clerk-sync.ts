import type { EnvSource } from '@clerk-sync/config';
import { adoptInstanceCommand } from './adopt-instance.js';
import { backfillCommand } from './backfill.js';
import { type Command, EXIT } from './command.js';
import { migrateCommand } from './migrate.js';
import { pruneCommand } from './prune.js';
import { reconcileCommand } from './reconcile.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run-cli.js';
import { stripControl } from './safe-text.js';
import { statsCommand } from './stats.js';
import { syncCommand } from './sync.js';

/**
 * `clerk-sync <command>`: every operator command in one executable, the package's `bin`. It is what
 * the worker image runs (`docker run IMAGE clerk-sync reconcile`), and what the root scripts
 * (`pnpm backfill`, …) call. The commands are imported up front, so `--help` alone proves that the
 * installed package can load all of them.
 */
const commands = [
  migrateCommand,
  backfillCommand,
  reconcileCommand,
  replayCommand,
  statsCommand,
  pruneCommand,
  syncCommand,
  adoptInstanceCommand,
];

const usage = `usage: clerk-sync <command> [options]

${commands.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`).join('\n')}

Run \`clerk-sync <command> --help\` for its options. Settings come from the environment, as for the
worker (see .env.example). In a checkout, \`pnpm <command>\` builds and runs the same (\`pnpm db:migrate\`
for migrate).
Exit codes: 0 done, 1 failed, 2 bad usage or configuration, 3 drift found (reconcile --exit-code),
4 refused (reconcile's safety checks), 5 not found in Clerk (sync).`;

async function main(argv: string[], env: EnvSource): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = commands.find((c) => c.name === args[0]);
    console.log(command ? command.usage : usage);
    return EXIT.done;
  }
  const command = commands.find((c: Command) => c.name === name);
  if (!command) {
    console.error(
      name === undefined ? usage : `clerk-sync: unknown command ${stripControl(name)}\n\n${usage}`,
    );
    return EXIT.usage;
  }
  return runCommand(command, args, env);
}

// Exit explicitly: an open Redis or Postgres handle must not keep a finished command alive.
process.exit(await main(process.argv.slice(2), process.env));
