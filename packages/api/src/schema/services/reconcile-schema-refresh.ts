import { connections, schemaRefreshes } from '@quarry/db/schema';
import { and, eq, notExists } from 'drizzle-orm';
import type { Deps } from '../../deps';
import { syncRefreshSchedule } from './refresh-schedule';
import { requestRefresh } from './request-refresh';

/**
 * Run when the API starts: every ready connection gets the pg-boss schedule its cadence says
 * (connections saved before schema browsing existed, or written by the demo seed, which has no
 * queue), and one never refreshed starts its first refresh. Idempotent: schedules are upserts by
 * connection id, and a refresh already queued or running is joined.
 */
export async function reconcileSchemaRefresh(
  deps: Pick<Deps, 'db' | 'queue' | 'now' | 'log'>,
): Promise<{ scheduled: number; started: number }> {
  const ready = await deps.db.select().from(connections).where(eq(connections.status, 'ready'));
  let scheduled = 0;
  for (const connection of ready) {
    await syncRefreshSchedule(deps, connection);
    if (connection.scope === 'workspace' && connection.refreshCadence !== 'off') scheduled += 1;
  }
  const never = await deps.db
    .select()
    .from(connections)
    .where(
      and(
        eq(connections.status, 'ready'),
        notExists(
          deps.db
            .select({ id: schemaRefreshes.id })
            .from(schemaRefreshes)
            .where(eq(schemaRefreshes.connectionId, connections.id)),
        ),
      ),
    );
  let started = 0;
  for (const connection of never) {
    const outcome = await requestRefresh(
      deps,
      {
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        trigger: 'created',
        requestedBy: connection.createdBy,
      },
      { showCause: true },
    );
    if (outcome.ok) started += 1;
    else
      deps.log.warn(
        { connectionId: connection.id, code: outcome.error.code },
        'first schema refresh not started',
      );
  }
  if (scheduled || started) deps.log.info({ scheduled, started }, 'schema refresh schedules reconciled');
  return { scheduled, started };
}
