import type { WorkspaceRole } from '@quarry/contracts';
import type { Reason } from './reasons';
import type { AccessCheck } from './share-permission';

/** Workspace-level actions whose only condition is the caller's role (and a workspace setting). */
export const WORKSPACE_ACTIONS = [
  'workspace:member',
  'workspace:admin',
  'project:create',
  'connection:create_workspace',
  'connection:create_project',
  'members:manage',
  'groups:manage',
] as const;
export type WorkspaceAction = (typeof WORKSPACE_ACTIONS)[number];

const ALL_ROLES: readonly WorkspaceRole[] = ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'];
const CREATORS: readonly WorkspaceRole[] = ['admin', 'manager', 'editor'];
const ADMINS: readonly WorkspaceRole[] = ['admin'];

const RULES: Readonly<Record<WorkspaceAction, { roles: readonly WorkspaceRole[]; refusal: string }>> = {
  'workspace:member': { roles: ALL_ROLES, refusal: 'Only members of the workspace can do this' },
  'workspace:admin': { roles: ADMINS, refusal: 'Only Admins can do this' },
  'project:create': { roles: CREATORS, refusal: 'Only Admins, Managers and Editors can create projects' },
  'connection:create_workspace': {
    roles: ADMINS,
    refusal: 'Only Admins can create workspace data connections',
  },
  'connection:create_project': {
    roles: CREATORS,
    refusal: 'Only Admins, Managers and Editors can create project data connections',
  },
  'members:manage': { roles: ADMINS, refusal: 'Only Admins can manage members' },
  'groups:manage': { roles: ADMINS, refusal: 'Only Admins can manage groups' },
};

/**
 * May this role take this workspace action? `projectConnectionsEnabled` is the workspace setting
 * with which Admins switch project data connections off (default on); when off, nobody creates one.
 */
export const decideWorkspaceAction = ({
  role,
  action,
  projectConnectionsEnabled = true,
}: {
  role: WorkspaceRole;
  action: WorkspaceAction;
  projectConnectionsEnabled?: boolean;
}): AccessCheck => {
  const rule = RULES[action];
  if (!rule.roles.includes(role)) {
    const reason: Reason = { code: 'access.role_not_allowed', message: rule.refusal };
    return { allowed: false, reason };
  }
  if (action === 'connection:create_project' && !projectConnectionsEnabled) {
    return {
      allowed: false,
      reason: {
        code: 'access.project_connections_disabled',
        message:
          'Project data connections are switched off in this workspace; use a workspace data connection',
      },
    };
  }
  return { allowed: true };
};
