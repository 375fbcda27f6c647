import type { QueueDepth } from '@quarry/contracts';
import { jobCatalog, jobNames } from '@quarry/queue';
import type { QueueAdmin } from '../queue-admin';

/** Every queue of the job catalog with its dead-letter queue, in the catalog's order. */
export const catalogQueues = (): { queue: string; deadLetterQueue: string }[] =>
  jobNames.map((name) => ({ queue: name, deadLetterQueue: jobCatalog[name].queue.deadLetter }));

/** Whether `name` is the dead-letter queue of a queue of the catalog. */
export const isCatalogDeadLetterQueue = (name: string): boolean =>
  catalogQueues().some((q) => q.deadLetterQueue === name);

/**
 * Queue depth from pg-boss's own counts (`getQueueStats`), which pg-boss caches on its queue table:
 * the runners' supervisor recounts every minute; `fresh` asks for a recount at most a minute old.
 * Counts only: a queue is shared by every workspace, so nothing here names a job or a workspace.
 */
export async function readQueueDepth(
  queue: QueueAdmin,
  options: { fresh?: boolean } = {},
): Promise<QueueDepth[]> {
  const read = async (name: string) => {
    const [stats] = await queue.getQueueStats(name, { force: options.fresh ?? false });
    return stats;
  };
  return Promise.all(
    catalogQueues().map(async ({ queue: name, deadLetterQueue }) => {
      const [main, dead] = await Promise.all([read(name), read(deadLetterQueue)]);
      return {
        queue: name,
        queued: main?.queuedCount ?? 0,
        active: main?.activeCount ?? 0,
        deferred: main?.deferredCount ?? 0,
        deadLetterQueue,
        deadLetters: dead?.queuedCount ?? 0,
      };
    }),
  );
}
