import { err, ok, type Result } from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadConnection } from './connection-record';

/**
 * Forgets a connection's pinned SSH host key (the gate let only those who manage it through), after
 * a legitimate change of the SSH server's key: the next successful test pins the key it presents.
 * Until then runs through the tunnel are refused. Audited with the fingerprint forgotten.
 */
export async function forgetSshHostKey(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<{ forgotten: string | null }>> {
  const { workspaceId } = ctx.actor;
  const forgotten = await ctx.deps.db.transaction(async (tx) => {
    const row = await loadConnection(tx, workspaceId, input.connectionId);
    if (!row) return undefined;
    await tx
      .update(connections)
      .set({ sshHostKey: null, updatedAt: ctx.deps.now() })
      .where(and(eq(connections.id, row.id), eq(connections.workspaceId, workspaceId)));
    await auditChange(tx, ctx, {
      action: 'connection.ssh_host_key_forget',
      target: { type: 'connection', id: row.id },
      details: { name: row.name, fingerprint: row.sshHostKey },
    });
    return row.sshHostKey;
  });
  if (forgotten === undefined) return err(notFound('connection'));
  return ok({ forgotten });
}
