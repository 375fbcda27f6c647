import type { ProjectPermission } from '@quarry/contracts';
import type { GroupId, MemberActor } from './actor';
import type { WorkspaceAsset } from './asset-access';
import { assetsWithoutAccess, describeAsset } from './asset-access';
import { describeGroup } from './group-membership';
import { meetsProjectPermission, PROJECT_PERMISSION_LABELS } from './project-permission';
import type { Reason } from './reasons';

/** Whom a project is being shared with: one member, or a group. */
export type ShareTarget = MemberActor | { kind: 'group'; groupId: GroupId };

/** An action allowed, or refused with the reason to show. */
export type AccessCheck = { allowed: true } | { allowed: false; reason: Reason };

/**
 * Can a group as a whole use an asset? Only when the asset lists that group or `public`, or lists
 * `workspace` and the group is a custom one. Custom groups are taken to hold workspace members; a
 * Guest inside one is still downgraded person by person by `decideProjectPermission`.
 */
const groupCanUse = (groupId: GroupId, asset: WorkspaceAsset): boolean => {
  const allowed = asset.groupsWithAccess;
  if (allowed.includes(groupId) || allowed.includes('public')) return true;
  const isCustom = groupId !== 'workspace' && groupId !== 'workspace_guests' && groupId !== 'public';
  return isCustom && allowed.includes('workspace');
};

const list = (assets: readonly WorkspaceAsset[]): string => assets.map(describeAsset).join(', ');

/**
 * Refuses to share Can edit or Full access with someone who has no access to a workspace asset the
 * project uses: they could not edit it anyway. Can explore and Can view are always allowed; role
 * caps and connection permissions are applied later by `decideProjectPermission`. Whether the
 * sharer may share at all is the procedure gate's question, not this one.
 */
export const canShareAtPermission = (
  facts: { assets: readonly WorkspaceAsset[] },
  target: ShareTarget,
  permission: ProjectPermission,
): AccessCheck => {
  if (!meetsProjectPermission(permission, 'can_edit')) return { allowed: true };

  const missing =
    target.kind === 'group'
      ? facts.assets.filter((asset) => !groupCanUse(target.groupId, asset))
      : assetsWithoutAccess(target, facts.assets);
  if (missing.length === 0) return { allowed: true };

  const who = target.kind === 'group' ? `the group '${describeGroup(target.groupId)}'` : 'this user';
  return {
    allowed: false,
    reason: {
      code: 'access.share_refused_no_asset_access',
      message: `Cannot give ${PROJECT_PERMISSION_LABELS[permission]} to ${who}: no access to ${list(missing)}`,
    },
  };
};
