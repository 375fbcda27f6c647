import { decideProjectPermission, PROJECT_PERMISSION_LABELS } from '@quarry/access';
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

export async function getProject(
  deps: Deps,
  actor: Actor,
  projectId: string,
  permission: string,
): Promise<ProjectDetail | null> {
  const [project] = await deps.db
    .select()
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.workspaceId, actor.workspaceId)));
  if (!project) return null;
  const [cellRows, connectionRows] = await Promise.all([
    deps.db.select().from(cells).where(eq(cells.projectId, projectId)).orderBy(asc(cells.position)),
    deps.db
      .select({ id: connections.id, name: connections.name, kind: connections.kind })
      .from(projectConnections)
      .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
      .where(eq(projectConnections.projectId, projectId)),
  ]);
  return {
    id: project.id,
    name: project.name,
    permission: labelOf(permission),
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
