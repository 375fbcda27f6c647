import { decideConnectionImport, decideProjectPermission } from '@quarry/access';
import { err, type ImportConnectionInput, ok, type QuarryError, type Result } from '@quarry/contracts';
import { connectionFacts, loadMemberActor, loadMemberProjectFacts } from '@quarry/db/access-facts';
import { cells, connections, projectConnections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { loadConnection } from './connection-record';

const projectScoped = (name: string): QuarryError => ({
  code: 'connections.project_scoped',
  message: `'${name}' is a project connection: it serves its own project only`,
  hint: 'Use a workspace connection, or ask an Admin to share one with the workspace',
});

const alreadyImported = (name: string): QuarryError => ({
  code: 'connections.already_imported',
  message: `The project already uses '${name}'`,
  hint: 'Pick it in a cell',
});

/**
 * Imports a ready workspace connection into a project the caller can edit (the gate checked Can
 * edit). The engine decides whether the caller may use it: access to it and Can query on it.
 */
export async function importConnection(
  ctx: ServiceContext,
  input: ImportConnectionInput,
): Promise<Result<{ connectionId: string; projectId: string }>> {
  const { db } = ctx.deps;
  const { workspaceId, userId } = ctx.actor;
  const row = await loadConnection(db, workspaceId, input.connectionId);
  if (!row) return err(notFound('connection'));
  // The member, and their facts on a project connection's own project, in one statement.
  const { member, facts: home } =
    row.scope === 'project' && row.projectId
      ? await loadMemberProjectFacts(db, { workspaceId, userId, projectId: row.projectId })
      : { member: await loadMemberActor(db, { workspaceId, userId }), facts: null };
  if (!member) return err(notFound('connection'));
  if (row.scope === 'project') {
    // Someone its project is closed to is told it does not exist, as the gate tells them elsewhere.
    const decision = home ? decideProjectPermission(home) : null;
    if (!decision || (decision.effective === 'none' && decision.granted === 'none')) {
      return err(notFound('connection'));
    }
    if (row.projectId === input.projectId) return err(alreadyImported(row.name));
    return err(projectScoped(row.name));
  }
  const asset = {
    kind: 'connection' as const,
    id: row.id,
    name: row.name,
    groupsWithAccess: row.groupsWithAccess,
  };
  const check = decideConnectionImport({ actor: member, asset, connection: connectionFacts(row) });
  if (!check.allowed)
    return err({ ...check.reason, hint: 'Ask an Admin to give you access to this connection' });
  if (row.status === 'draft') {
    return err({
      code: 'connections.draft',
      message: `The connection '${row.name}' is a draft`,
      hint: 'An Admin completes and saves it first',
    });
  }
  const imported = await db.transaction(async (tx) => {
    // Held until the import is saved: a delete committing in between would break the foreign key.
    const [still] = await tx
      .select({ id: connections.id })
      .from(connections)
      .where(and(eq(connections.id, row.id), eq(connections.workspaceId, workspaceId)))
      .for('share');
    if (!still) return 'gone' as const;
    const inserted = await tx
      .insert(projectConnections)
      .values({ projectId: input.projectId, connectionId: row.id, workspaceId })
      .onConflictDoNothing()
      .returning({ projectId: projectConnections.projectId });
    if (inserted.length === 0) return false;
    await auditChange(tx, ctx, {
      action: 'connection.import',
      target: { type: 'connection', id: row.id },
      details: { name: row.name, projectId: input.projectId },
    });
    return true;
  });
  if (imported === 'gone') return err(notFound('connection'));
  if (!imported) return err(alreadyImported(row.name));
  return ok({ connectionId: row.id, projectId: input.projectId });
}

/**
 * Stops a project importing a workspace connection (the gate checked Can edit). Its cells lose the
 * connection and keep its name, so each says it was removed and offers another.
 */
export async function removeConnection(
  ctx: ServiceContext,
  input: ImportConnectionInput,
): Promise<Result<{ connectionId: string; projectId: string }>> {
  const { workspaceId } = ctx.actor;
  const outcome = await ctx.deps.db.transaction(
    async (tx): Promise<Result<{ connectionId: string; projectId: string }>> => {
      const row = await loadConnection(tx, workspaceId, input.connectionId);
      if (!row) return err(notFound('connection'));
      // A connection this project does not use is not named to the caller: they may have no
      // access to it, or its project may be closed to them.
      if (row.scope === 'project') {
        if (row.projectId !== input.projectId) return err(notFound('connection'));
        return err({
          code: 'connections.project_scoped',
          message: `'${row.name}' is this project's own connection`,
          hint: 'Delete it in the project’s data connections instead',
        });
      }
      const removed = await tx
        .delete(projectConnections)
        .where(
          and(
            eq(projectConnections.projectId, input.projectId),
            eq(projectConnections.connectionId, row.id),
            eq(projectConnections.workspaceId, workspaceId),
          ),
        )
        .returning({ projectId: projectConnections.projectId });
      if (removed.length === 0) return err(notFound('connection'));
      const now = ctx.deps.now();
      const cleared = await tx
        .update(cells)
        .set({ connectionId: null, deletedConnectionName: row.name, updatedAt: now })
        .where(
          and(
            eq(cells.projectId, input.projectId),
            eq(cells.workspaceId, workspaceId),
            eq(cells.connectionId, row.id),
          ),
        )
        .returning({ id: cells.id });
      await auditChange(
        tx,
        ctx,
        {
          action: 'connection.remove_from_project',
          target: { type: 'connection', id: row.id },
          details: { name: row.name, projectId: input.projectId, cells: cleared.length },
        },
        now,
      );
      return ok({ connectionId: row.id, projectId: input.projectId });
    },
  );
  return outcome;
}
