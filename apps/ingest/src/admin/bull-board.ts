import type { DeadLetters, Queue } from '@clerk-sync/queue';
import type { Handler, Hono } from 'hono';

/**
 * Bull Board for the main and dead-letter queues, under `/admin/queues`, unable to add a job.
 *
 * Bull Board, its adapters and its static-file server are loaded on the first request to
 * `/admin/queues`, not at start: most of the time nobody looks, and loaded they cost the ingest
 * several MB of RSS. The routes are registered here, after the admin app's guard, auth and refused
 * routes, so a request reaches the board only through them, loaded or not.
 */
export function mountBullBoard(app: Hono, queues: { queue: Queue; deadLetters: DeadLetters }): void {
  let board: Promise<Hono> | undefined;
  const load = () => {
    board ??= import('./bull-board-app.js').then(
      ({ createBullBoardApp }) => createBullBoardApp(queues),
      (error: unknown) => {
        board = undefined; // a failed load is tried again on the next request
        throw error;
      },
    );
    return board;
  };
  const serve: Handler = async (c) => (await load()).fetch(c.req.raw, c.env);
  app.all('/admin/queues', serve);
  app.all('/admin/queues/*', serve);
}
