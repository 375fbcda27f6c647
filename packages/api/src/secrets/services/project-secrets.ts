import { ok, type ProjectSecret, type Result } from '@quarry/contracts';
import { projectSecrets, projects, secrets } from '@quarry/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';

/** The secrets a project imports, by name: what its editors may read in their kernels, never the values. */
export async function listProjectSecrets(
  ctx: ServiceContext,
  scope: ProjectScope,
): Promise<Result<ProjectSecret[]>> {
  const { workspaceId } = ctx.actor;
  const rows = await ctx.deps.db
    .select({ id: secrets.id, name: secrets.name })
    .from(projectSecrets)
    .innerJoin(projects, eq(projects.id, projectSecrets.projectId))
    .innerJoin(secrets, eq(secrets.id, projectSecrets.secretId))
    .where(
      and(
        eq(projectSecrets.projectId, scope.id),
        eq(projects.workspaceId, workspaceId),
        eq(secrets.workspaceId, workspaceId),
      ),
    )
    .orderBy(asc(secrets.name));
  return ok(rows);
}
