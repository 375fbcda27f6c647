import type { WorkspaceRole } from '@quarry/contracts';
import { meetsProjectPermission, type ProjectAccess } from './project-permission';
import type { AccessCheck } from './share-permission';
import { decideWorkspaceAction } from './workspace-action';

/**
 * Duplicating makes a new project that the caller holds with Full access, so it needs what
 * creating a project needs (the role) as well as Can edit on the original: otherwise a Guest or
 * an Explorer with Can edit somewhere would own projects their role may not create.
 */
export const decideDuplicateProject = (input: {
  role: WorkspaceRole;
  effective: ProjectAccess;
}): AccessCheck => {
  if (!meetsProjectPermission(input.effective, 'can_edit')) {
    return {
      allowed: false,
      reason: { code: 'access.cannot_duplicate', message: 'Duplicating a project needs Can edit on it' },
    };
  }
  const create = decideWorkspaceAction({ role: input.role, action: 'project:create' });
  if (!create.allowed) {
    return {
      allowed: false,
      reason: {
        code: create.reason.code,
        message: `Duplicating creates a new project: ${create.reason.message.charAt(0).toLowerCase()}${create.reason.message.slice(1)}`,
      },
    };
  }
  return { allowed: true };
};
