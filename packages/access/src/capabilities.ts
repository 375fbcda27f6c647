import type {
  ProjectCapabilities,
  ProjectPermission,
  WorkspaceCapabilities,
  WorkspaceRole,
} from '@quarry/contracts';
import { decideDuplicateProject } from './duplicate-project';
import { meetsProjectPermission, type ProjectAccess } from './project-permission';
import { decideGrant, decideShareManagement } from './share-management';
import { decideWorkspaceAction, type WorkspaceAction } from './workspace-action';

/** The project permission each plain project capability needs, as the procedures declare it. */
const PROJECT_NEEDS: Readonly<
  Record<'view' | 'explore' | 'edit' | 'run' | 'viewResults', ProjectPermission>
> = {
  view: 'can_view',
  explore: 'can_explore',
  edit: 'can_edit',
  // `runs.start` declares `project:edit`: running a project's SQL is authoring it.
  run: 'can_edit',
  // Whatever survives every rule sees results; closing the project is how results are refused.
  viewResults: 'can_view',
};

/**
 * What one caller may do with one project, from the engine's effective permission and the same
 * rules the gate applies to each procedure (`decideShareManagement`, `decideDuplicateProject`).
 * `role` is the caller's current workspace role; anonymous visitors have none and duplicate nothing.
 */
export const projectCapabilities = (input: {
  effective: ProjectAccess;
  editorsCanShare: boolean;
  role: WorkspaceRole | null;
}): ProjectCapabilities => {
  const meets = (needed: ProjectPermission) => meetsProjectPermission(input.effective, needed);
  return {
    view: meets(PROJECT_NEEDS.view),
    explore: meets(PROJECT_NEEDS.explore),
    edit: meets(PROJECT_NEEDS.edit),
    run: meets(PROJECT_NEEDS.run),
    viewResults: meets(PROJECT_NEEDS.viewResults),
    share: decideShareManagement({ effective: input.effective, editorsCanShare: input.editorsCanShare })
      .allowed,
    manageSharing: input.effective === 'full_access',
    duplicate:
      input.role !== null && decideDuplicateProject({ role: input.role, effective: input.effective }).allowed,
  };
};

/** The workspace action behind each workspace capability, as the procedures declare it. */
const WORKSPACE_NEEDS: Readonly<Record<keyof WorkspaceCapabilities, WorkspaceAction>> = {
  manageMembers: 'members:manage',
  manageGroups: 'groups:manage',
  manageConnections: 'connection:create_workspace',
  manageSso: 'workspace:admin',
  viewAudit: 'workspace:admin',
  createProjects: 'project:create',
  createProjectConnections: 'connection:create_project',
};

/** What a role may do in its workspace, given the workspace's switch for project connections. */
export const workspaceCapabilities = (input: {
  role: WorkspaceRole;
  projectConnectionsEnabled: boolean;
}): WorkspaceCapabilities => {
  const can = (action: WorkspaceAction) =>
    decideWorkspaceAction({
      role: input.role,
      action,
      projectConnectionsEnabled: input.projectConnectionsEnabled,
    }).allowed;
  return {
    manageMembers: can(WORKSPACE_NEEDS.manageMembers),
    manageGroups: can(WORKSPACE_NEEDS.manageGroups),
    manageConnections: can(WORKSPACE_NEEDS.manageConnections),
    manageSso: can(WORKSPACE_NEEDS.manageSso),
    viewAudit: can(WORKSPACE_NEEDS.viewAudit),
    createProjects: can(WORKSPACE_NEEDS.createProjects),
    createProjectConnections: can(WORKSPACE_NEEDS.createProjectConnections),
  };
};

const STRONGEST_FIRST: readonly ProjectPermission[] = ['full_access', 'can_edit', 'can_explore', 'can_view'];

/**
 * The permissions a sharer may hand out in the share dialog, strongest first: none unless they may
 * share at all, and never more than they hold (`decideGrant`).
 */
export const grantablePermissions = (input: {
  effective: ProjectAccess;
  editorsCanShare: boolean;
}): ProjectPermission[] => {
  if (!decideShareManagement(input).allowed) return [];
  return STRONGEST_FIRST.filter((permission) => decideGrant({ sharer: input.effective, permission }).allowed);
};
