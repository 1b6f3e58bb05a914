import { Queue, type QueueOptions } from 'bullmq';
import { DeadLetters } from './dead-letters/dead-letters.js';

/** The main queue and its dead letters, opened together on one connection and closed together. */
export interface EventQueues {
  /** The queue the ingest fills and the worker drains. */
  readonly queue: Queue;
  /** Its dead-letter queue (`<name>-dead`), and moving jobs into and out of it. */
  readonly deadLetters: DeadLetters;
  /** Closes both queues; a Redis client passed as `connection` stays open, as it is the caller's. */
  close(): Promise<void>;
}

/**
 * Opens the main queue `name` and its dead letters on `connection`. Each process that touches the
 * queue (ingest, worker, the replay command) opens it here, so the main queue has one owner and the
 * dead letters never hand it out.
 *
 * @example
 * const queues = openQueues(env.QUEUE_NAME, redis);
 * await replayDeadLetters(queues.deadLetters, { all: true });
 * await queues.close();
 */
export function openQueues(name: string, connection: QueueOptions['connection']): EventQueues {
  const queue = new Queue(name, { connection });
  const deadLetters = new DeadLetters(queue, connection);
  return {
    queue,
    deadLetters,
    close: async () => {
      await Promise.all([queue.close(), deadLetters.close()]);
    },
  };
}
