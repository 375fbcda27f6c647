import { err, ok, type Result, type RunSummary } from '@quarry/contracts';
import { runs } from '@quarry/db/schema';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { cancelRunsWhere, runOfWorkspace } from './cancel-runs';
import { toRunSummary } from './run-summary';

/**
 * Cancels one of the caller's runs (the gate checked they own it): a queued run is never taken, a
 * running one is aborted by its runner, which cancels the query on the database server. A run
 * that already finished is answered as it is, unchanged.
 */
export async function cancelRun(ctx: ServiceContext, input: { runId: string }): Promise<Result<RunSummary>> {
  const now = ctx.deps.now();
  const row = await ctx.deps.db.transaction(async (tx) => {
    const cancelled = await cancelRunsWhere(
      tx,
      runOfWorkspace(input.runId, ctx.actor.workspaceId),
      'cancelled',
      now,
    );
    if (cancelled.length) {
      await auditChange(tx, ctx, { action: 'run.cancel', target: { type: 'run', id: input.runId } }, now);
    }
    const [current] = await tx.select().from(runs).where(runOfWorkspace(input.runId, ctx.actor.workspaceId));
    return current;
  });
  if (!row) return err(notFound('run'));
  return ok(toRunSummary(row));
}
