import { err, ok, type Result } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { notFound } from '../../errors';
import type { QueueAdmin } from '../queue-admin';
import { auditOperatorAction, type Operator, operatorWorkspace } from './operator';
import { isCatalogDeadLetterQueue } from './queue-depth';

type Deps = { db: Db; queue: QueueAdmin; now: () => Date };

/** Dead letters an Admin may touch carry their workspace in the payload (every job does, JOB-6). */
const scopeFilter = (operator: Operator) => {
  const workspaceId = operatorWorkspace(operator);
  return workspaceId ? { data: { workspaceId } } : {};
};

/**
 * Hands one dead letter back to the queue it failed on (pg-boss `redrive`). Handlers are
 * idempotent and guarded (JOB-1): a run that already finished stays as it is; one still queued is
 * taken again. An Admin reaches only their workspace's dead letters; anything else is NOT_FOUND.
 */
export async function retryDeadLetter(
  deps: Deps,
  operator: Operator,
  input: { queue: string; jobId: string },
): Promise<Result<{ count: number }>> {
  if (!isCatalogDeadLetterQueue(input.queue)) return err(notFound('dead_letter'));
  const [job] = await deps.queue.findJobs<Record<string, unknown>>(input.queue, {
    id: input.jobId,
    queued: true,
    ...scopeFilter(operator),
  });
  if (!job) return err(notFound('dead_letter'));
  const count = await deps.queue.redrive(input.queue, { ids: [input.jobId], ...scopeFilter(operator) });
  if (count === 0) return err(notFound('dead_letter'));
  await audit(deps, operator, job.data, 'operations.dead_letter_retry', input.jobId, {
    queue: input.queue,
    sourceQueue: job.sourceName,
  });
  return ok({ count });
}

/**
 * Deletes the dead letters of one dead-letter queue: all of them for the CLI (pg-boss
 * `deleteQueuedJobs`), only the Admin's workspace's for an Admin (by id, found by payload).
 */
export async function purgeDeadLetters(
  deps: Deps,
  operator: Operator,
  input: { queue: string },
): Promise<Result<{ count: number }>> {
  if (!isCatalogDeadLetterQueue(input.queue)) return err(notFound('dead_letter'));
  const workspaceId = operatorWorkspace(operator);
  let count: number;
  if (workspaceId) {
    count = 0;
    // In pages: findJobs answers at most `limit` jobs, oldest first.
    for (;;) {
      const jobs = await deps.queue.findJobs(input.queue, {
        queued: true,
        limit: 500,
        data: { workspaceId },
      });
      if (!jobs.length) break;
      const deleted = await deps.queue.deleteJob(
        input.queue,
        jobs.map((j) => j.id),
      );
      const affected = affectedBy(deleted);
      count += affected;
      if (affected === 0) break;
    }
  } else {
    count = await deps.queue.deleteQueuedJobs(input.queue);
  }
  await audit(deps, operator, { workspaceId }, 'operations.dead_letters_purge', input.queue, {
    queue: input.queue,
    count,
  });
  return ok({ count });
}

/** pg-boss types its command answer as `{}`; at run time it carries `affected`. */
const affectedBy = (response: object): number =>
  'affected' in response && typeof response.affected === 'number' ? response.affected : 0;

async function audit(
  deps: Deps,
  operator: Operator,
  data: unknown,
  action: string,
  targetId: string,
  details: Record<string, unknown>,
) {
  const payload = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const workspaceId = typeof payload.workspaceId === 'string' ? payload.workspaceId : null;
  await deps.db.transaction((tx) =>
    auditOperatorAction(
      tx,
      operator,
      {
        workspaceId,
        action,
        target: { type: action.endsWith('retry') ? 'job' : 'queue', id: targetId },
        details,
      },
      deps.now(),
    ),
  );
}
