import type { ProjectPermission } from '@quarry/contracts';
import type { GroupId } from './actor';
import type { ProjectFacts } from './effective-permission';
import { groupsOf } from './group-membership';
import { meetsProjectPermission } from './project-permission';

/**
 * One way a grant reaches an actor: shared with them by name (`direct`), with a group they are in
 * (`group`), or Full access as the project's creator (`creator`).
 */
export type GrantRoute =
  | { kind: 'direct'; permission: ProjectPermission }
  | { kind: 'group'; groupId: GroupId; permission: ProjectPermission }
  | { kind: 'creator'; permission: 'full_access' };

/**
 * Every route by which the project's grants reach the actor, strongest first (ties keep the order:
 * creator, direct, groups). An anonymous visitor is reached only through the `public` group.
 */
export const grantRoutes = (
  facts: Pick<ProjectFacts, 'actor' | 'grants' | 'isProjectOwner'>,
): GrantRoute[] => {
  const { actor } = facts;
  const groups = groupsOf(actor);
  const routes: GrantRoute[] = [];
  if (actor.kind === 'member' && facts.isProjectOwner === true) {
    routes.push({ kind: 'creator', permission: 'full_access' });
  }
  for (const grant of facts.grants) {
    if (grant.to.kind === 'user') {
      if (actor.kind === 'member' && grant.to.userId === actor.userId) {
        routes.push({ kind: 'direct', permission: grant.permission });
      }
    } else if (groups.has(grant.to.groupId)) {
      routes.push({ kind: 'group', groupId: grant.to.groupId, permission: grant.permission });
    }
  }
  const order = (route: GrantRoute) => (route.kind === 'creator' ? 0 : route.kind === 'direct' ? 1 : 2);
  return routes.sort((a, b) => {
    if (a.permission === b.permission) return order(a) - order(b);
    return meetsProjectPermission(a.permission, b.permission) ? -1 : 1;
  });
};
