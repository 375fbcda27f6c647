import type { Deps } from '../../deps';
import { syncRefreshSchedule } from './refresh-schedule';
import { requestRefresh } from './request-refresh';
import type { ConnectionRow } from './schema-access';

/**
 * A new ready connection starts a schema refresh at once (the seed) and, for a workspace
 * connection, gets its refresh schedule. The connection exists either way: a queue that refuses
 * is logged, and the Refresh button or the next tick does it later.
 */
export async function startSchemaOfNewConnection(
  deps: Pick<Deps, 'db' | 'queue' | 'now' | 'log'>,
  connection: ConnectionRow,
): Promise<void> {
  if (connection.status !== 'ready') return;
  try {
    await syncRefreshSchedule(deps, connection);
    const started = await requestRefresh(
      deps,
      {
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        trigger: 'created',
        requestedBy: connection.createdBy,
      },
      { showCause: true },
    );
    if (!started.ok) {
      deps.log.warn(
        { connectionId: connection.id, code: started.error.code },
        'first schema refresh not started',
      );
    }
  } catch (error) {
    deps.log.warn({ connectionId: connection.id, err: String(error) }, 'first schema refresh not started');
  }
}
