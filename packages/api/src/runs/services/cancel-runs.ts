import type { QuarryError } from '@quarry/contracts';
import type { Queries } from '@quarry/db';
import { runIsActive, runs } from '@quarry/db/schema';
import { RUN_CANCEL_CHANNEL } from '@quarry/queue';
import { RUN_EVENTS_CHANNEL } from '@quarry/results';
import { and, eq, type SQL, sql } from 'drizzle-orm';

/** Who or what cancelled, in the error the run ends with. */
export type CancelReason = 'cancelled' | 'superseded';

const CANCEL_ERRORS: Record<CancelReason, QuarryError & { kind: 'user' }> = {
  cancelled: { code: 'run.cancelled', message: 'The run was cancelled', kind: 'user' },
  superseded: {
    code: 'run.cancelled',
    message: 'The run was cancelled: the cell was run again',
    kind: 'user',
  },
};

/**
 * Moves the queued or running runs `where` selects to `cancelled` (guarded: a run that already
 * finished keeps its outcome) and tells the runners and the runs' readers, by the same statement,
 * so the notices go out exactly when the change is visible (at the commit). `alongside`: another
 * change (a data-modifying statement) made by the same statement, as a start saves its cell's
 * source with the cancel of the cell's earlier runs. Answers the ids cancelled.
 */
export async function cancelRunsWhere(
  tx: Queries,
  where: SQL | undefined,
  reason: CancelReason,
  now: Date,
  options: { alongside?: SQL } = {},
): Promise<{ id: string }[]> {
  const cancel = tx
    .update(runs)
    .set({ status: 'cancelled', error: CANCEL_ERRORS[reason], finishedAt: now })
    .where(and(where, runIsActive))
    .returning({
      id: runs.id,
      toldRunners: sql<string>`pg_notify(${RUN_CANCEL_CHANNEL}, ${runs.id})::text`,
      toldReaders: sql<string>`pg_notify(${RUN_EVENTS_CHANNEL}, ${runs.id})::text`,
    });
  if (!options.alongside) return (await cancel).map(({ id }) => ({ id }));
  const rows = await tx.execute<{ id: string }>(
    sql`with alongside as (${options.alongside}) ${cancel.getSQL()}`,
  );
  return [...rows].map(({ id }) => ({ id }));
}

/** One run of the caller's workspace, by id. */
export const runOfWorkspace = (runId: string, workspaceId: string) =>
  and(eq(runs.id, runId), eq(runs.workspaceId, workspaceId));
