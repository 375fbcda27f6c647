import { canSeeProjectLogic } from '@quarry/access';
import {
  type CellConnectionNote,
  CellKind,
  err,
  ok,
  type ProjectDetail,
  type Result,
} from '@quarry/contracts';
import { cells, connections, projectConnections, projects, workspaces } from '@quarry/db/schema';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';
import { toNotebookCell } from './notebook-cell';
import { projectAccessData } from './project-access';

/**
 * One project as the caller may see it: its logic (SQL, connections) from Can explore up, the
 * app only at Can view (`canSeeProjectLogic`).
 */
export async function getProject(ctx: ServiceContext, scope: ProjectScope): Promise<Result<ProjectDetail>> {
  const { db } = ctx.deps;
  const { workspaceId } = ctx.actor;
  const access = projectAccessData(scope.decision, scope.facts);
  // The gate lets nobody without Can view this far; a closed project does not exist for them.
  if (!access) return err(notFound('project'));
  const [project] = await db
    .select({ id: projects.id, name: projects.name })
    .from(projects)
    .where(and(eq(projects.id, scope.id), eq(projects.workspaceId, workspaceId)));
  if (!project) return err(notFound('project'));
  const header = { ...project, ...access };
  if (!canSeeProjectLogic(access.permission)) {
    // Only the columns the app needs are read, so the SQL never leaves the database.
    const places = await db
      .select({ id: cells.id, kind: cells.kind, position: cells.position })
      .from(cells)
      .where(and(eq(cells.projectId, scope.id), eq(cells.workspaceId, workspaceId)))
      .orderBy(asc(cells.position));
    return ok({
      ...header,
      logicHidden: true,
      cells: places.map((c) => ({
        id: c.id,
        kind: CellKind.catch('sql').parse(c.kind),
        position: c.position,
      })),
    });
  }
  const [cellRows, connectionRows, workspaceRows] = await Promise.all([
    db
      .select()
      .from(cells)
      .where(and(eq(cells.projectId, scope.id), eq(cells.workspaceId, workspaceId)))
      .orderBy(asc(cells.position)),
    db
      .select({
        id: connections.id,
        name: connections.name,
        kind: connections.kind,
        scope: connections.scope,
      })
      .from(projectConnections)
      .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
      .where(and(eq(projectConnections.projectId, scope.id), eq(connections.workspaceId, workspaceId))),
    db
      .select({ projectConnectionsEnabled: workspaces.projectConnectionsEnabled })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId)),
  ]);
  const notes = await connectionNotes(ctx, {
    cells: cellRows,
    imported: connectionRows,
    projectConnectionsEnabled: workspaceRows[0]?.projectConnectionsEnabled ?? true,
  });
  return ok({
    ...header,
    logicHidden: false,
    cells: cellRows.map((c) => toNotebookCell(c, notes.get(c.id) ?? null)),
    connections: connectionRows.map(({ id, name, kind }) => ({ id, name, kind })),
  });
}

/**
 * Why a cell has no usable connection: the one it used was deleted (no connection of that name is
 * left) or removed from the project (it still exists), or it is a project connection while Admins
 * switched those off.
 */
async function connectionNotes(
  ctx: ServiceContext,
  input: {
    cells: { id: string; connectionId: string | null; deletedConnectionName: string | null }[];
    imported: { id: string; name: string; scope: 'workspace' | 'project' }[];
    projectConnectionsEnabled: boolean;
  },
): Promise<Map<string, CellConnectionNote>> {
  const notes = new Map<string, CellConnectionNote>();
  const lost = [
    ...new Set(
      input.cells.flatMap((c) =>
        !c.connectionId && c.deletedConnectionName ? [c.deletedConnectionName] : [],
      ),
    ),
  ];
  const remaining = lost.length
    ? await ctx.deps.db
        .select({ name: connections.name })
        .from(connections)
        .where(and(eq(connections.workspaceId, ctx.actor.workspaceId), inArray(connections.name, lost)))
    : [];
  const stillThere = new Set(remaining.map((r) => r.name));
  const imported = new Map(input.imported.map((c) => [c.id, c]));
  for (const cell of input.cells) {
    if (!cell.connectionId && cell.deletedConnectionName) {
      notes.set(cell.id, {
        reason: stillThere.has(cell.deletedConnectionName) ? 'connection_removed' : 'connection_deleted',
        connectionName: cell.deletedConnectionName,
      });
      continue;
    }
    const connection = cell.connectionId ? imported.get(cell.connectionId) : undefined;
    if (connection?.scope === 'project' && !input.projectConnectionsEnabled) {
      notes.set(cell.id, { reason: 'project_connections_disabled', connectionName: connection.name });
    }
  }
  return notes;
}
