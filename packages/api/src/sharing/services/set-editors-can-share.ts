import { ok, type Result } from '@quarry/contracts';
import { projects } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { auditChange, type ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';

/** Lets Can edit holders re-share the project, or keeps sharing to Full access holders. */
export async function setEditorsCanShare(
  ctx: ServiceContext,
  scope: ProjectScope,
  enabled: boolean,
): Promise<Result<{ editorsCanShare: boolean }>> {
  await ctx.deps.db.transaction(async (tx) => {
    await tx
      .update(projects)
      .set({ editorsCanShare: enabled })
      .where(and(eq(projects.id, scope.id), eq(projects.workspaceId, ctx.actor.workspaceId)));
    await auditChange(tx, ctx, {
      action: 'project.editors_can_share',
      target: { type: 'project', id: scope.id },
      details: { after: enabled },
    });
  });
  return ok({ editorsCanShare: enabled });
}
