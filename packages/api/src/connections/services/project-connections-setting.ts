import { ok, type ProjectConnectionsSetting, type Result } from '@quarry/contracts';
import { workspaces } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { auditChange, type ServiceContext } from '../../service-context';
import { projectConnectionsEnabled } from './connection-record';

/** Whether members may create project data connections in this workspace. */
export async function projectConnectionsSetting(
  ctx: ServiceContext,
): Promise<Result<ProjectConnectionsSetting>> {
  return ok({ enabled: await projectConnectionsEnabled(ctx.deps.db, ctx.actor.workspaceId) });
}

/**
 * Switches project data connections on or off (Admins). Off, nobody creates one and existing ones
 * stop working for everyone but Admins (the engine downgrades their projects, with the reason).
 */
export async function setProjectConnectionsEnabled(
  ctx: ServiceContext,
  input: ProjectConnectionsSetting,
): Promise<Result<ProjectConnectionsSetting>> {
  const { workspaceId } = ctx.actor;
  await ctx.deps.db.transaction(async (tx) => {
    const before = await projectConnectionsEnabled(tx, workspaceId);
    await tx
      .update(workspaces)
      .set({ projectConnectionsEnabled: input.enabled })
      .where(eq(workspaces.id, workspaceId));
    await auditChange(tx, ctx, {
      action: 'workspace.project_connections_change',
      target: { type: 'workspace', id: workspaceId },
      details: { before, after: input.enabled },
    });
  });
  return ok({ enabled: input.enabled });
}
