import { canSeeProjectLogic } from '@quarry/access';
import { err, ok, type ProjectDetail, type Result } from '@quarry/contracts';
import { cells, connections, projectConnections, projects } from '@quarry/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';
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
      .select({ id: cells.id, position: cells.position })
      .from(cells)
      .where(and(eq(cells.projectId, scope.id), eq(cells.workspaceId, workspaceId)))
      .orderBy(asc(cells.position));
    return ok({
      ...header,
      logicHidden: true,
      cells: places.map((c) => ({ id: c.id, kind: 'sql' as const, position: c.position })),
    });
  }
  const [cellRows, connectionRows] = await Promise.all([
    db
      .select()
      .from(cells)
      .where(and(eq(cells.projectId, scope.id), eq(cells.workspaceId, workspaceId)))
      .orderBy(asc(cells.position)),
    db
      .select({ id: connections.id, name: connections.name, kind: connections.kind })
      .from(projectConnections)
      .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
      .where(eq(projectConnections.projectId, scope.id)),
  ]);
  return ok({
    ...header,
    logicHidden: false,
    cells: cellRows.map((c) => ({
      id: c.id,
      kind: 'sql' as const,
      position: c.position,
      connectionId: c.connectionId,
      source: c.source,
    })),
    connections: connectionRows,
  });
}
