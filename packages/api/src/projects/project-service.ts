import {
  canSeeProjectLogic,
  decideProjectPermission,
  PROJECT_PERMISSION_LABELS,
  type ProjectAccess,
} from '@quarry/access';
import type { ProjectDetail, ProjectSummary } from '@quarry/contracts';
import { loadMemberActor, loadProjectFacts } from '@quarry/db/access-facts';
import { cells, connections, projectConnections, projects } from '@quarry/db/schema';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Deps } from '../deps';
import type { Actor } from '../trpc';

const labelOf = (permission: string): string =>
  permission in PROJECT_PERMISSION_LABELS
    ? PROJECT_PERMISSION_LABELS[permission as keyof typeof PROJECT_PERMISSION_LABELS]
    : permission;

/** The projects this member may open, each with their effective permission. */
export async function listProjects(deps: Deps, actor: Actor): Promise<ProjectSummary[]> {
  const rows = await deps.db
    .select()
    .from(projects)
    .where(eq(projects.workspaceId, actor.workspaceId))
    .orderBy(desc(projects.updatedAt));
  const member = await loadMemberActor(deps.db, { workspaceId: actor.workspaceId, userId: actor.userId });
  if (!member) return [];
  const visible: ProjectSummary[] = [];
  for (const row of rows) {
    const facts = await loadProjectFacts(deps.db, {
      workspaceId: actor.workspaceId,
      projectId: row.id,
      actor: member,
    });
    if (!facts) continue;
    const decision = decideProjectPermission(facts);
    if (decision.effective === 'none') continue;
    visible.push({
      id: row.id,
      name: row.name,
      updatedAt: row.updatedAt,
      permission: labelOf(decision.effective),
    });
  }
  return visible;
}

/**
 * One project as the caller may see it: its logic (SQL, connections) from Can explore up, the
 * app only at Can view (`canSeeProjectLogic`).
 */
export async function getProject(
  deps: Deps,
  actor: Actor,
  projectId: string,
  permission: ProjectAccess,
): Promise<ProjectDetail | null> {
  const [project] = await deps.db
    .select()
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.workspaceId, actor.workspaceId)));
  if (!project) return null;
  const header = { id: project.id, name: project.name, permission: labelOf(permission) };
  if (!canSeeProjectLogic(permission)) {
    // Only the columns the app needs are read, so the SQL never leaves the database.
    const places = await deps.db
      .select({ id: cells.id, position: cells.position })
      .from(cells)
      .where(and(eq(cells.projectId, projectId), eq(cells.workspaceId, actor.workspaceId)))
      .orderBy(asc(cells.position));
    return {
      ...header,
      logicHidden: true,
      cells: places.map((c) => ({ id: c.id, kind: 'sql' as const, position: c.position })),
    };
  }
  const [cellRows, connectionRows] = await Promise.all([
    deps.db
      .select()
      .from(cells)
      .where(and(eq(cells.projectId, projectId), eq(cells.workspaceId, actor.workspaceId)))
      .orderBy(asc(cells.position)),
    deps.db
      .select({ id: connections.id, name: connections.name, kind: connections.kind })
      .from(projectConnections)
      .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
      .where(eq(projectConnections.projectId, projectId)),
  ]);
  return {
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
  };
}
