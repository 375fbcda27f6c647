import { decideProjectPermission } from '@quarry/access';
import type { ProjectSummary } from '@quarry/contracts';
import { loadMemberActor, loadProjectsFacts } from '@quarry/db/access-facts';
import { projects } from '@quarry/db/schema';
import { desc, eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import { projectAccessData } from './project-access';

/**
 * The projects this member may open, each with their access as data. The facts of every project
 * are read in a fixed number of queries, not one round per project.
 */
export async function listProjects(ctx: ServiceContext): Promise<ProjectSummary[]> {
  const { db } = ctx.deps;
  const { workspaceId, userId } = ctx.actor;
  const member = await loadMemberActor(db, { workspaceId, userId });
  if (!member) return [];
  const [rows, facts] = await Promise.all([
    db
      .select({ id: projects.id, name: projects.name, updatedAt: projects.updatedAt })
      .from(projects)
      .where(eq(projects.workspaceId, workspaceId))
      .orderBy(desc(projects.updatedAt)),
    loadProjectsFacts(db, { workspaceId, projectIds: 'all', actor: member }),
  ]);
  return rows.flatMap((row) => {
    const projectFacts = facts.get(row.id);
    if (!projectFacts) return [];
    const access = projectAccessData(decideProjectPermission(projectFacts), projectFacts);
    return access ? [{ ...row, ...access }] : [];
  });
}
