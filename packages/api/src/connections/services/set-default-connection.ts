import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import { connectionIsDefault, connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadConnection } from './connection-record';

/**
 * Makes a ready workspace connection the default for new SQL cells (Admins). The previous default
 * is cleared in the same transaction, so the partial unique index never sees two.
 */
export async function setDefaultConnection(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<{ connectionId: string }>> {
  const { workspaceId } = ctx.actor;
  const outcome = await ctx.deps.db.transaction(async (tx): Promise<Result<{ connectionId: string }>> => {
    const row = await loadConnection(tx, workspaceId, input.connectionId);
    if (!row) return err(notFound('connection'));
    if (row.scope === 'project') return err(projectScoped);
    if (row.status === 'draft') return err(draftRefused(row.name));
    const [previous] = await tx
      .update(connections)
      .set({ isDefault: false })
      .where(and(eq(connections.workspaceId, workspaceId), connectionIsDefault))
      .returning({ id: connections.id });
    await tx.update(connections).set({ isDefault: true }).where(eq(connections.id, row.id));
    await auditChange(tx, ctx, {
      action: 'connection.set_default',
      target: { type: 'connection', id: row.id },
      details: { name: row.name, previous: previous?.id ?? null },
    });
    return ok({ connectionId: row.id });
  });
  return outcome;
}

const projectScoped: QuarryError = {
  code: 'connections.project_scoped',
  message: 'A project connection cannot be the workspace default',
  hint: 'Choose a workspace connection',
};

const draftRefused = (name: string): QuarryError => ({
  code: 'connections.draft',
  message: `The connection '${name}' is a draft`,
  hint: 'Complete and save it first',
});
