import { err, ok, type Result, type RunStatus } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import { and, eq, type SQL } from 'drizzle-orm';
import { notFound } from '../../errors';
import { cancelRunsWhere } from '../../runs/services/cancel-runs';
import { auditOperatorAction, type Operator, operatorWorkspace } from './operator';

export type OperatorCancel = { runId: string; workspaceId: string; status: RunStatus; cancelled: boolean };

/**
 * Cancels any queued or running run of the operator's reach through the same path as `runs.cancel`
 * (the guarded update and the NOTIFY the runners listen to, in one transaction), so the runner
 * holding it cancels the query on the warehouse. An Admin reaches only their workspace's runs;
 * another workspace's run answers NOT_FOUND and is left as it is. A finished run is answered
 * unchanged, with no audit entry.
 */
export async function cancelRunAsOperator(
  deps: { db: Db; now: () => Date },
  operator: Operator,
  input: { runId: string },
): Promise<Result<OperatorCancel>> {
  const now = deps.now();
  const workspaceId = operatorWorkspace(operator);
  const where: SQL | undefined = and(
    eq(runs.id, input.runId),
    workspaceId ? eq(runs.workspaceId, workspaceId) : undefined,
  );
  const outcome = await deps.db.transaction(async (tx) => {
    const [run] = await tx.select({ workspaceId: runs.workspaceId }).from(runs).where(where);
    if (!run) return null;
    const cancelled = await cancelRunsWhere(
      tx,
      and(eq(runs.id, input.runId), eq(runs.workspaceId, run.workspaceId)),
      'cancelled',
      now,
    );
    if (cancelled.length) {
      await auditOperatorAction(
        tx,
        operator,
        { workspaceId: run.workspaceId, action: 'run.cancel', target: { type: 'run', id: input.runId } },
        now,
      );
    }
    const [current] = await tx
      .select({ status: runs.status })
      .from(runs)
      .where(and(eq(runs.id, input.runId), eq(runs.workspaceId, run.workspaceId)));
    return {
      runId: input.runId,
      workspaceId: run.workspaceId,
      status: current?.status ?? 'cancelled',
      cancelled: cancelled.length > 0,
    };
  });
  return outcome ? ok(outcome) : err(notFound('run'));
}
