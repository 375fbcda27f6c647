import { type ConnectionDetail, err, ok, type Result } from '@quarry/contracts';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import {
  loadConnection,
  projectConnectionsEnabled,
  projectNames,
  toSummary,
  usageOf,
} from './connection-record';

/**
 * One connection for its edit form (the gate let only those who manage it through): its settings
 * as stored and the names of the secret fields holding a value, never a value.
 */
export async function getConnection(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<ConnectionDetail>> {
  const { db } = ctx.deps;
  const { workspaceId } = ctx.actor;
  const row = await loadConnection(db, workspaceId, input.connectionId);
  if (!row) return err(notFound('connection'));
  const [usage, enabled, names] = await Promise.all([
    usageOf(db, workspaceId, row.id),
    projectConnectionsEnabled(db, workspaceId),
    projectNames(db, workspaceId, row.projectId ? [row.projectId] : []),
  ]);
  return ok({
    ...toSummary(row, {
      projectName: row.projectId ? names.get(row.projectId) : undefined,
      usageCount: usage.length,
      canManage: true,
      projectConnectionsEnabled: enabled,
    }),
    settings: row.settings,
    // Read from the row: a query opens nothing and writes nothing (AUTH-5).
    storedSecrets: row.storedSecrets,
    canRefreshSchema: row.canRefreshSchema,
    sshHostKey: row.sshHostKey,
    // Off (null) or how long a result is kept for the next reader who passes the gate.
    cacheTtlSeconds: row.cacheTtlSeconds,
  });
}
