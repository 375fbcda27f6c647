import { decideDuplicateProject } from '@quarry/access';
import { err, ok, type Result } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { cells, connections, projectConnections, projectSecrets, projects, secrets } from '@quarry/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';

/**
 * Copies a project's cells, its workspace connections and its shared-secret imports for the caller,
 * who gets Full access on the copy. Project connections are never copied: their credentials belong to
 * the original project, and cells that used one keep their SQL but lose the connection. A secret is a
 * workspace asset: the copy imports the same secret (its value stays sealed in its one row), which
 * the caller may use, since Can edit on the original means access to every asset it uses. The copy is
 * a new project, so the caller needs the role that creates projects as well as Can edit on the original.
 */
export async function duplicateProject(
  ctx: ServiceContext,
  scope: ProjectScope,
  input: { name: string },
): Promise<Result<{ projectId: string; droppedConnections: number }>> {
  const { db } = ctx.deps;
  const { actor } = ctx;
  // The gate loaded the member's current role with the project's facts; the session's may be older.
  const role = scope.facts.actor.kind === 'member' ? scope.facts.actor.role : actor.role;
  const allowed = decideDuplicateProject({ role, effective: scope.decision.effective });
  if (!allowed.allowed) {
    return err({ ...allowed.reason, hint: 'Ask an Admin, a Manager or an Editor to duplicate it for you' });
  }
  const [source] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, scope.id), eq(projects.workspaceId, actor.workspaceId)));
  if (!source) return err(notFound('project'));
  const imported = await db
    .select({ id: connections.id, scope: connections.scope })
    .from(projectConnections)
    .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
    .where(eq(projectConnections.projectId, source.id));
  const reusable = new Set(imported.filter((c) => c.scope === 'workspace').map((c) => c.id));
  const importedSecrets = await db
    .select({ id: secrets.id })
    .from(projectSecrets)
    .innerJoin(secrets, eq(secrets.id, projectSecrets.secretId))
    .where(and(eq(projectSecrets.projectId, source.id), eq(secrets.workspaceId, actor.workspaceId)));
  const sourceCells = await db
    .select()
    .from(cells)
    .where(eq(cells.projectId, source.id))
    .orderBy(asc(cells.position));
  const projectId = newId('project');
  await db.transaction(async (tx) => {
    await tx
      .insert(projects)
      .values({ id: projectId, workspaceId: actor.workspaceId, name: input.name, createdBy: actor.userId });
    for (const connectionId of reusable) {
      await tx.insert(projectConnections).values({ projectId, connectionId, workspaceId: actor.workspaceId });
    }
    for (const secret of importedSecrets) {
      await tx.insert(projectSecrets).values({
        projectId,
        secretId: secret.id,
        workspaceId: actor.workspaceId,
        importedBy: actor.userId,
      });
    }
    for (const cell of sourceCells) {
      await tx.insert(cells).values({
        id: newId('cell'),
        workspaceId: actor.workspaceId,
        projectId,
        position: cell.position,
        name: cell.name,
        kind: cell.kind,
        config: cell.config,
        connectionId: cell.connectionId && reusable.has(cell.connectionId) ? cell.connectionId : null,
        source: cell.source,
      });
    }
    await auditChange(tx, ctx, {
      action: 'project.duplicate',
      target: { type: 'project', id: projectId },
      details: { from: source.id },
    });
  });
  return ok({ projectId, droppedConnections: imported.length - reusable.size });
}
