import type { OwnDatabase } from '@quarry/connectors';
import type { Db } from '@quarry/db';
import { connections, runSessionKeyContext, runs } from '@quarry/db/schema';
import type { AllowList } from '@quarry/net-policy';
import type { Vault, VaultContext } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { connectionConfig } from './connection-config';

/** How long one orphan cancel may take (connect, tunnel, cancel request). */
const ORPHAN_CANCEL_TIMEOUT_MS = 15_000;

/** The vault context a run's warehouse session key is sealed under: that run of that workspace only. */
export const sessionKeyContext = (workspaceId: string, runId: string): VaultContext =>
  runSessionKeyContext(workspaceId, runId);

/**
 * The connection and key a sealed session key names. A SQL cell's run seals the connector's key
 * alone (its connection is the run's); a JS cell's run, whose SQL steps may use several
 * connections, seals `{connectionId, key}` of the step running now. Connector keys are objects of
 * their own shape (`{pid, secret}`, `{threadId, tag}`), never this wrapper.
 */
function sessionOf(
  opened: string,
  runConnectionId: string | null,
): { connectionId: string; key: string } | null {
  try {
    const wrapped: unknown = JSON.parse(opened);
    if (
      wrapped &&
      typeof wrapped === 'object' &&
      'connectionId' in wrapped &&
      'key' in wrapped &&
      typeof wrapped.connectionId === 'string' &&
      typeof wrapped.key === 'string'
    ) {
      return { connectionId: wrapped.connectionId, key: wrapped.key };
    }
  } catch {
    // Not JSON: a connector's own key text.
  }
  return runConnectionId ? { connectionId: runConnectionId, key: opened } : null;
}

export type OrphanDeps = {
  db: Db;
  vault: Vault;
  log: Logger;
  now: () => Date;
  allowPrivateHosts: AllowList;
  ownDatabase?: OwnDatabase;
};

/**
 * Cancels, on the warehouse, the query a run's earlier runner left behind when it died (JOB-6): the
 * session's cancel key was sealed into `runs.session_key` when the session opened, so whichever
 * runner finds the orphan cancels it without needing to see the warehouse's other sessions. Scoped
 * by the run's workspace; answers whether a cancel was delivered. Never throws: a cancel that cannot
 * be delivered is logged, and the warehouse's statement timeout still ends the query.
 */
export async function cancelOrphanedQuery(
  deps: OrphanDeps,
  run: { id: string; workspaceId: string },
): Promise<boolean> {
  const runLog = deps.log.child({ runId: run.id });
  try {
    // The run's row is held from reading its key until the cancel went out: a run still alive
    // somewhere records its end (and clears its key) only after, so the warehouse session the key
    // names cannot have been handed to another run meanwhile (a kept session goes back to the pool
    // only once its run's end is recorded), and the cancel reaches no one else's query.
    return await deps.db.transaction(async (tx) => {
      const where = and(eq(runs.id, run.id), eq(runs.workspaceId, run.workspaceId));
      const [row] = await tx
        .select({
          status: runs.status,
          sessionKey: runs.sessionKey,
          connectionId: runs.connectionId,
          ownerId: runs.ownerId,
        })
        .from(runs)
        .where(where)
        .for('update');
      if (!row) return false;
      const cancelled = row.sessionKey
        ? await cancelWithKey(deps, run, { ...row, sessionKey: row.sessionKey }, runLog)
        : false;
      // The earlier attempt loses the run before it could record anything more: a new start (its
      // writes and its end are guarded by its own) and no key. Else its end, waiting on this row,
      // would land first and end the run as cancelled by this very cancel.
      if (row.status === 'running') {
        await tx.update(runs).set({ startedAt: deps.now(), sessionKey: null }).where(where);
      }
      return cancelled;
    });
  } catch (error) {
    runLog.error({ err: error }, 'orphaned query cancel failed');
    return false;
  }
}

/** Opens the sealed key, the connection it names, and sends the cancel (see cancelOrphanedQuery). */
async function cancelWithKey(
  deps: OrphanDeps,
  run: { id: string; workspaceId: string },
  row: { sessionKey: Buffer; connectionId: string | null; ownerId: string },
  runLog: Logger,
): Promise<boolean> {
  const key = deps.vault.openText(row.sessionKey, sessionKeyContext(run.workspaceId, run.id));
  if (!key.ok) {
    runLog.error({ code: key.error.code }, 'orphaned run: its session key could not be opened');
    return false;
  }
  const session = sessionOf(key.value, row.connectionId);
  if (!session) return false;
  const [connection] = await deps.db
    .select()
    .from(connections)
    .where(and(eq(connections.id, session.connectionId), eq(connections.workspaceId, run.workspaceId)));
  if (!connection) return false;
  const connector = await connectionConfig(deps, connection, { userId: row.ownerId, runId: run.id });
  if (!connector.ok) {
    runLog.error({ code: connector.error.code }, 'orphaned run: its connection could not be opened');
    return false;
  }
  const cancelled = await connector.value.cancelSession(session.key, {
    timeoutMs: ORPHAN_CANCEL_TIMEOUT_MS,
    allow: deps.allowPrivateHosts,
    ...(deps.ownDatabase ? { ownDatabase: deps.ownDatabase } : {}),
    signal: AbortSignal.timeout(ORPHAN_CANCEL_TIMEOUT_MS),
  });
  if (!cancelled.ok) {
    runLog.warn(
      { code: cancelled.error.code, internal: cancelled.error.internal },
      'orphaned query not cancelled',
    );
    return false;
  }
  runLog.info({ delivered: cancelled.value }, 'orphaned query cancelled on the warehouse');
  return cancelled.value;
}
