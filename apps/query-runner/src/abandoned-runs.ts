import type { RunExecuteJob } from '@quarry/contracts';
import type { Sql } from '@quarry/db';
import { QUEUE_SCHEMA } from '@quarry/queue';
import { failAbandonedRun, type RunnerDeps } from './execute-run';

/** At most this many abandoned runs are ended per sweep; the next sweep takes the rest. */
const SWEEP_LIMIT = 100;

/**
 * Runs left `queued` or `running` whose job will never run them again: the job exhausted its
 * retries (failed: its dead letter is kept for operators), was cancelled, or ended while the run
 * was still active, or was deleted. Scoped by nothing but status: each run is then ended under its
 * own workspace (JOB-6).
 */
export async function findAbandonedRuns(sql: Sql): Promise<RunExecuteJob[]> {
  const rows = await sql<{ runId: string; workspaceId: string }[]>`
    select r.id as "runId", r.workspace_id as "workspaceId"
    from runs r
    left join ${sql(QUEUE_SCHEMA)}.job j
      on j.name = 'run.execute'
      and j.id = case when r.job_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                      then r.job_id::uuid end
    where r.status in ('queued', 'running') and r.job_id is not null
      and (
        (j.state in ('failed', 'cancelled', 'completed') and j.completed_on < now() - interval '30 seconds')
        or (j.id is null and r.created_at < now() - interval '10 minutes')
      )
    limit ${SWEEP_LIMIT}`;
  return rows.map((row) => ({ runId: row.runId, workspaceId: row.workspaceId }));
}

/**
 * Ends every abandoned run as failed with the reason, after cancelling what its last attempt left
 * on the warehouse: a job that exhausted its retries never leaves its run stuck (JOB-5). Answers
 * how many it ended.
 */
export async function failAbandonedRuns(deps: RunnerDeps): Promise<number> {
  let ended = 0;
  for (const job of await findAbandonedRuns(deps.sql)) {
    if (await failAbandonedRun(deps, job)) ended += 1;
  }
  return ended;
}
