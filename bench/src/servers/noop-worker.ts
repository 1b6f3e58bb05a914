// Baseline for the worker: a BullMQ worker with the same connection and concurrency, doing nothing.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const concurrency = Number(process.env.WORKER_CONCURRENCY);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  throw new Error('WORKER_CONCURRENCY must be set: the bench passes the worker’s');
}
const connection = new Redis(String(process.env.REDIS_URL), { maxRetriesPerRequest: null });
const worker = new Worker(String(process.env.QUEUE_NAME), async () => 'noop', {
  connection,
  concurrency,
});
console.log(JSON.stringify({ started: true }));
process.on('SIGTERM', () =>
  worker.close().then(() => {
    connection.disconnect();
    process.exit(0);
  }),
);
