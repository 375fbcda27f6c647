import {
  err,
  ok,
  type QuarryError,
  type Result,
  type RunSummary,
  type StartRunInput,
} from '@quarry/contracts';
import { newId } from '@quarry/db';
import { cells, runs } from '@quarry/db/schema';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { notFound } from '../../errors';
import { auditChange } from '../../service-context';
import type { Actor } from '../../trpc';
import { cancelRunsWhere } from './cancel-runs';
import { toRunSummary } from './run-summary';

/** Queued plus running runs one member, and one workspace, may have at once (item 14). */
export type RunCaps = { perUser: number; perWorkspace: number };
export const DEFAULT_RUN_CAPS: RunCaps = { perUser: 25, perWorkspace: 200 };

/**
 * Saves the cell's SQL, records a run owned by the caller and sends a job carrying ids only
 * (JOB-4). The API never decrypts credentials and never sees rows.
 */
export async function startRun(
  deps: Deps,
  actor: Actor,
  input: Required<StartRunInput>,
  request: RequestInfo,
): Promise<Result<RunSummary>> {
  const now = deps.now();
  const [cell] = await deps.db
    .select()
    .from(cells)
    .where(
      and(
        eq(cells.id, input.cellId),
        eq(cells.projectId, input.projectId),
        eq(cells.workspaceId, actor.workspaceId),
      ),
    );
  if (!cell) return err(notFound('cell'));
  const connectionId = cell.connectionId;
  if (!connectionId) {
    return err({
      code: 'run.no_connection',
      message: 'This SQL cell has no data connection',
      hint: 'Choose a data connection for the cell, then run it again',
    });
  }
  const runId = newId('run');
  const caps = deps.runCaps ?? DEFAULT_RUN_CAPS;
  const started = await deps.db.transaction(async (tx) => {
    // One lock per workspace makes count-then-insert atomic: of two parallel starts at the cap,
    // the second counts the first. It is held for this short transaction only.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`runs.active:${actor.workspaceId}`}, 0))`,
    );
    // The caller's active runs of this cell do not count: this start cancels them below.
    const ofThisCell = and(eq(runs.ownerId, actor.userId), eq(runs.cellId, cell.id));
    const [active] = await tx
      .select({
        mine: sql<number>`count(*) filter (where ${runs.ownerId} = ${actor.userId} and not (${ofThisCell}))::int`,
        all: sql<number>`count(*) filter (where not (${ofThisCell}))::int`,
      })
      .from(runs)
      .where(and(eq(runs.workspaceId, actor.workspaceId), inArray(runs.status, ['queued', 'running'])));
    if ((active?.mine ?? 0) >= caps.perUser) return { refused: tooManyActive('you', caps.perUser) };
    if ((active?.all ?? 0) >= caps.perWorkspace)
      return { refused: tooManyActive('this workspace', caps.perWorkspace) };
    // Running a cell again stops its earlier run, on the server too: its result is about to be
    // replaced, and a query nobody reads should not keep the warehouse busy.
    const superseded = await cancelRunsWhere(
      tx,
      and(eq(runs.workspaceId, actor.workspaceId), ofThisCell),
      'superseded',
      now,
    );
    await tx.update(cells).set({ source: input.source, updatedAt: now }).where(eq(cells.id, cell.id));
    const [row] = await tx
      .insert(runs)
      .values({
        id: runId,
        workspaceId: actor.workspaceId,
        projectId: input.projectId,
        cellId: cell.id,
        ownerId: actor.userId,
        connectionId,
        source: input.source,
        rowLimit: input.rowLimit,
        status: 'queued',
        createdAt: now,
      })
      .returning();
    await auditChange(
      tx,
      { deps, actor, request },
      {
        action: 'run.start',
        target: { type: 'run', id: runId },
        details: {
          projectId: input.projectId,
          cellId: cell.id,
          connectionId,
          via: actor.via.kind,
          ...(superseded.length ? { cancelled: superseded.map((r) => r.id) } : {}),
        },
      },
      now,
    );
    return { run: row };
  });
  if (started.refused) return err(started.refused);
  const { run } = started;
  if (!run) throw new Error('run insert returned no row');
  try {
    const jobId = await deps.queue.send('run.execute', { runId, workspaceId: actor.workspaceId });
    await deps.db.update(runs).set({ jobId }).where(eq(runs.id, runId));
  } catch (cause) {
    deps.log.error({ runId, err: String(cause) }, 'could not queue run');
    const error = {
      code: 'queue.unavailable',
      message: 'The run could not be queued',
      hint: 'Try again in a moment',
    };
    await deps.db
      .update(runs)
      .set({ status: 'failed', error: { ...error, kind: 'system' }, finishedAt: deps.now() })
      .where(and(eq(runs.id, runId), eq(runs.status, 'queued')));
    return err(error);
  }
  return ok(toRunSummary(run));
}

function tooManyActive(who: 'you' | 'this workspace', cap: number): QuarryError {
  return {
    code: 'runs.too_many_active',
    message: `${who === 'you' ? 'You have' : 'This workspace has'} ${cap} runs queued or running, the most allowed at once`,
    hint: 'Wait for a run to finish or stop one, then run this again',
    details: { scope: who === 'you' ? 'user' : 'workspace', cap },
  };
}
