import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import type { DeadLetters, Queue } from '@clerk-sync/queue';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/**
 * Bull Board for the main and dead-letter queues, as an app that answers under `/admin/queues`,
 * unable to add a job. Imported by {@link mountBullBoard} on the first request only.
 */
export function createBullBoardApp(queues: { queue: Queue; deadLetters: DeadLetters }): Hono {
  const board = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: [new NoAddAdapter(queues.queue), new NoAddAdapter(queues.deadLetters.dead)],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'clerk-sync' } },
  });
  board.setBasePath('/admin/queues');
  const app = new Hono();
  app.route('/admin/queues', board.registerPlugin());
  return app;
}

/** A second lock behind the refused routes: even a route that slipped past them cannot add a job. */
class NoAddAdapter extends BullMQAdapter {
  override addJob(): never {
    throw new Error('adding jobs from the admin listener is disabled');
  }
}
