import { err, ok, type Result, type RunSummary } from '@quarry/contracts';
import type { Sql } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import { QUEUE_SCHEMA } from '@quarry/queue';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import { refuseResultsOf } from './results-gate';
import { toRunSummary } from './run-summary';

/**
 * One run of the caller's workspace (the gate has already checked the caller owns it). The results
 * gate is decided again now, as runs.events decides it: an owner who lost Can view results on a
 * connection the result derives from (or the project) gets the status and the refusal as its
 * error, and nothing of the result: no row count, truncation, steps (their row counts), nor when a
 * cached result was computed, nor the run's own error (a database's message can quote data).
 */
export async function getRun(ctx: ServiceContext, input: { runId: string }): Promise<Result<RunSummary>> {
  const [row] = await ctx.deps.db
    .select()
    .from(runs)
    .where(and(eq(runs.id, input.runId), eq(runs.workspaceId, ctx.actor.workspaceId)));
  if (!row) return err(notFound('run'));
  const position =
    row.status === 'queued' && row.jobId
      ? await queuePosition(ctx.deps.sql, row.jobId, row.workspaceId)
      : null;
  const summary = toRunSummary(row, position);
  const refused = await refuseResultsOf(ctx.deps.db, row, { kind: 'member', userId: ctx.actor.userId });
  if (refused)
    return ok({ ...summary, rowCount: null, truncated: false, steps: [], cachedAt: null, error: refused });
  return ok(summary);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Where a run's job stands among its workspace's run jobs waiting (created, or waiting out a
 * retry's backoff), in the order pg-boss takes them: priority first (the fair share), then age. 1
 * means next among your workspace's waiting runs; other workspaces' runs are never counted, so the
 * number says nothing of their activity (it is not a promise of when the run starts, as they share
 * the runners). A number only: which jobs are ahead, and whose, is never said. Null when the job is
 * not waiting (being taken this instant, or gone). Jobs a connection's limit holds back count as
 * ahead too, so this is the most of the workspace's runs that go first, not a promise of order.
 */
async function queuePosition(sql: Sql, jobId: string, workspaceId: string): Promise<number | null> {
  if (!UUID.test(jobId)) return null;
  const [row] = await sql<{ position: number | null }[]>`
    with me as (
      select priority, created_on, id from ${sql(QUEUE_SCHEMA)}.job
      where name = 'run.execute' and id = ${jobId}::uuid and state < 'active'
    )
    select case when exists (select 1 from me) then 1 + (
      select count(*)::int from ${sql(QUEUE_SCHEMA)}.job j, me
      where j.name = 'run.execute' and j.state < 'active'
        and j.data->>'workspaceId' = ${workspaceId}
        and (j.priority > me.priority
          or (j.priority = me.priority and (j.created_on, j.id) < (me.created_on, me.id)))
    ) end as position`;
  return row?.position ?? null;
}
