import type { Context, Hono, Next } from 'hono';

/**
 * Routes Bull Board offers that the admin listener refuses with 403, registered ahead of Bull Board.
 *
 * Adding or editing a job would let anyone logged in forge an event (add) or rewrite one
 * (update-data) in either queue; a rewritten dead letter becomes a forged event once replayed.
 *
 * An event on the main queue was already answered 2xx, so Svix will not send it again: emptying,
 * obliterating or cleaning that queue (or removing one of its jobs) would lose it for good. Completed
 * jobs may go; they are applied. Dead letters can still be removed: that is the operator's decision.
 */
export function refuseJobEdits(app: Hono, mainQueue: string): void {
  const readOnlyData = (c: Context) =>
    c.json(
      {
        error: 'forbidden',
        message:
          'jobs cannot be added or edited here; only Clerk (through the signed webhook) creates events',
      },
      403,
    );
  app.post('/admin/queues/api/queues/:queueName/add', readOnlyData);
  app.patch('/admin/queues/api/queues/:queueName/:jobId/update-data', readOnlyData);

  const keepEvents = (c: Context, next: Next) => {
    if (c.req.param('queueName') !== mainQueue) return next();
    if (c.req.param('queueStatus') === 'completed') return next();
    return c.json(
      {
        error: 'forbidden',
        message: `jobs of ${mainQueue} are events Clerk will not send again; they cannot be removed here`,
      },
      403,
    );
  };
  app.put('/admin/queues/api/queues/:queueName/empty', keepEvents);
  app.put('/admin/queues/api/queues/:queueName/obliterate', keepEvents);
  app.put('/admin/queues/api/queues/:queueName/clean/:queueStatus', keepEvents);
  app.put('/admin/queues/api/queues/:queueName/:jobId/clean', keepEvents);
}
