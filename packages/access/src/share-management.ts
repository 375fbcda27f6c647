import type { ProjectPermission } from '@quarry/contracts';
import { meetsProjectPermission, PROJECT_PERMISSION_LABELS, type ProjectAccess } from './project-permission';
import type { AccessCheck } from './share-permission';

/**
 * Who may change a project's sharing: Full access holders always; Can edit holders unless a Full
 * access holder switched re-sharing off for the project. Nobody below Can edit.
 */
export const decideShareManagement = (input: {
  effective: ProjectAccess;
  editorsCanShare: boolean;
}): AccessCheck => {
  if (input.effective === 'full_access') return { allowed: true };
  if (input.effective === 'can_edit' && input.editorsCanShare) return { allowed: true };
  if (input.effective === 'can_edit') {
    return {
      allowed: false,
      reason: {
        code: 'access.resharing_off',
        message:
          'Only Full access holders can share this project: re-sharing by Can edit holders is switched off',
      },
    };
  }
  return {
    allowed: false,
    reason: { code: 'access.cannot_share', message: 'Sharing a project needs Can edit or Full access on it' },
  };
};

/** Nobody grants more than they hold: a Can edit holder shares at most Can edit. */
export const decideGrant = (input: { sharer: ProjectAccess; permission: ProjectPermission }): AccessCheck => {
  if (meetsProjectPermission(input.sharer, input.permission)) return { allowed: true };
  return {
    allowed: false,
    reason: {
      code: 'access.grant_above_own',
      message: `You can share at most ${input.sharer === 'none' ? 'nothing' : PROJECT_PERMISSION_LABELS[input.sharer]} on this project`,
    },
  };
};
