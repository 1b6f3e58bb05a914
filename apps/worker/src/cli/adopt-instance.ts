import { INSTANCE_ID } from '@clerk-sync/config';
import { adoptRows, countUnadopted, openDatabase, type UnadoptedRows } from '@clerk-sync/db';
import { createProgress } from '../backfill/progress.js';
import { readWorkerEnv, type WorkerInstance } from '../env.js';
import { prepareSchema } from '../prepare-schema.js';
import { pickInstance } from './clerk-session.js';
import { type Command, EXIT, parseCommandArgs, UsageError } from './command.js';
import { printTable } from './table.js';

const usage = `usage: clerk-sync adopt-instance [--instance <name>] [--id <ins_…>] [--dry-run] [--json]

Rows written before instances were recorded (before migration 2026-11-24T2200) have no instance_id.
This assigns every such row of the instance's schema to that instance: the explicit migration of
existing rows. Rows that already record an instance are never changed, so it is safe to run again
and while the worker runs; it works in batches of 5,000 rows per transaction.
Run it once after upgrading, and before a second instance shares the schema: a worker refuses to
serve several instances from a schema that still holds such rows.
  --instance <name>  with CLERK_INSTANCES: the instance (its schema and id); default: the only one
  --id <ins_…>       the instance's id when it is not configured (one instance, no CLERK_INSTANCE_ID)
  --dry-run          count the rows, change nothing
  --json             print the counts as JSON
Needs no Clerk key: the id is yours to state (Clerk dashboard, or the instance_id of its webhooks).`;

export const adoptInstanceCommand: Command = {
  name: 'adopt-instance',
  summary: 'assign rows written before instances were recorded to their instance',
  usage,
  async run(args, environment) {
    const values = parseCommandArgs(args, {
      instance: { type: 'string' },
      id: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const env = readWorkerEnv(environment, 'clerk-sync adopt-instance');
    const instance = pickInstance(env, values.instance);
    const id = instanceId(instance, values.id);
    const database = await openDatabase({ ...env.db, schema: instance.schema });
    try {
      await prepareSchema(database, env, instance.schema);
      const before = await countUnadopted(database.db);
      const adopted = values['dry-run'] ? {} : await adopt(database.db, id, before);
      report({ instance, id, before, adopted, dryRun: values['dry-run'], json: values.json });
      return EXIT.done;
    } finally {
      await database.close();
    }
  },
};

/** The id to assign: the configured one, or `--id` (which must agree with it, if both are given). */
function instanceId(instance: WorkerInstance, flag: string | undefined): string {
  if (flag !== undefined && !INSTANCE_ID.test(flag)) {
    throw new UsageError(`--id: ${JSON.stringify(flag.slice(0, 80))} is not a Clerk instance id (ins_…)`);
  }
  if (instance.id !== undefined && flag !== undefined && flag !== instance.id) {
    throw new UsageError(
      `--id ${flag} contradicts the configured id of instance ${instance.name} (${instance.id})`,
    );
  }
  const id = instance.id ?? flag;
  if (id === undefined) {
    throw new UsageError(
      `instance ${instance.name} has no configured id: pass --id ins_… (or set CLERK_INSTANCE_ID)`,
    );
  }
  return id;
}

async function adopt(
  db: Parameters<typeof adoptRows>[0],
  id: string,
  before: UnadoptedRows,
): Promise<UnadoptedRows> {
  const progress = createProgress(process.stderr);
  const started = new Set<string>();
  let last = { table: '', adopted: 0 };
  const adopted = await adoptRows(db, id, {
    onProgress: (table, adopted) => {
      if (!started.has(table)) {
        started.add(table);
        progress.start(table, before[table as keyof UnadoptedRows], 0);
      }
      progress.advance(table, adopted - (last.table === table ? last.adopted : 0));
      last = { table, adopted };
    },
  });
  for (const table of started) progress.finish(table);
  return adopted;
}

interface Report {
  instance: WorkerInstance;
  id: string;
  before: UnadoptedRows;
  adopted: UnadoptedRows;
  dryRun: boolean;
  json: boolean;
}

function report({ instance, id, before, adopted, dryRun, json }: Report): void {
  const tables = Object.keys(before) as Array<keyof UnadoptedRows>;
  if (json) {
    console.log(
      JSON.stringify({
        instance: instance.name,
        id,
        schema: instance.schema,
        dryRun,
        unadopted: before,
        adopted,
      }),
    );
    return;
  }
  if (tables.length === 0) {
    console.log(`schema ${instance.schema}: every row already records its instance; nothing to adopt`);
    return;
  }
  printTable([
    ['table', 'rows without instance', dryRun ? 'would adopt' : 'adopted'],
    ...tables.map((t) => [t, before[t] ?? 0, dryRun ? (before[t] ?? 0) : (adopted[t] ?? 0)]),
  ]);
  console.log(
    dryRun
      ? `dry run: nothing changed; run without --dry-run to assign them to ${instance.name} (${id})`
      : `schema ${instance.schema}: rows assigned to ${instance.name} (${id})`,
  );
}
