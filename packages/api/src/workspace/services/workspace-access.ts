import { workspaceCapabilities } from '@quarry/access';
import type { WorkspaceAccess } from '@quarry/contracts';
import { workspaces } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';

/**
 * The caller's role and what it lets them do in their workspace, decided by the engine from the
 * same role the gate checks and the workspace's own settings. The SPA shows its menus by these.
 */
export async function workspaceAccess(ctx: ServiceContext): Promise<WorkspaceAccess> {
  const [workspace] = await ctx.deps.db
    .select({ projectConnectionsEnabled: workspaces.projectConnectionsEnabled })
    .from(workspaces)
    .where(eq(workspaces.id, ctx.actor.workspaceId));
  const { role } = ctx.actor;
  return {
    role,
    can: workspaceCapabilities({
      role,
      projectConnectionsEnabled: workspace?.projectConnectionsEnabled ?? true,
    }),
  };
}
