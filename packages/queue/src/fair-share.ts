import type { RunExecuteJob } from '@quarry/contracts';

/**
 * How a run's job is placed in the queue so that no user starves the rest and no connection is
 * hammered:
 *
 * - priority: minus the owner's run jobs already waiting or running in this workspace. pg-boss
 *   takes the highest priority first (then the oldest), so a user's n-th outstanding run waits
 *   behind every other user's first n: one user's 60 runs cannot hold back another user's first.
 * - group: the connection. Runners work `run.execute` with pg-boss's global `groupConcurrency`,
 *   so at most that many queries run on one connection at once across every runner; the rest of
 *   that connection's runs wait (skipped, not failed) while other connections' runs go ahead.
 *
 * Both come from the payload's scheduling hints; a payload without them queues first come, first
 * served. The count is a scheduling estimate, not a lock: two starts at the same instant may share
 * a priority, which only orders them by time. A caller that counted the owner's outstanding runs
 * already (`outstanding`: their queued and running runs in the workspace, which those jobs are)
 * passes the count, and no statement is made here.
 */
export async function runFairShare(
  db: { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> },
  schema: string,
  payload: RunExecuteJob,
  outstanding?: number,
): Promise<{ priority?: number; group?: { id: string } }> {
  const options: { priority?: number; group?: { id: string } } = {};
  if (payload.connectionId) options.group = { id: payload.connectionId };
  if (payload.ownerId && outstanding !== undefined) {
    options.priority = -outstanding;
  } else if (payload.ownerId) {
    const { rows } = await db.executeSql(
      `select count(*)::int as n from ${schema}.job
       where name = 'run.execute' and state in ('created', 'retry', 'active')
         and data->>'workspaceId' = $1 and data->>'ownerId' = $2`,
      [payload.workspaceId, payload.ownerId],
    );
    const waiting = Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
    options.priority = -waiting;
  }
  return options;
}
