import type { WorkspaceChoice } from '@quarry/contracts';
import type { ServiceContext } from '../../service-context';
import { activeMemberships } from './memberships';

/**
 * The caller's workspaces, for the switcher; the current one is marked. A session made by this
 * workspace's single sign-on vouches for the person here only, so it learns of no other.
 */
export async function workspaceChoices(ctx: ServiceContext): Promise<WorkspaceChoice[]> {
  const { actor } = ctx;
  const everywhere = actor.via.kind === 'session' && actor.via.authMethod === 'password';
  return (await activeMemberships(ctx.deps, actor.userId))
    .filter((m) => everywhere || m.workspace.id === actor.workspaceId)
    .map((m) => ({
      id: m.workspace.id,
      name: m.workspace.name,
      role: m.role,
      current: m.workspace.id === actor.workspaceId,
    }));
}
