import type { ProjectPermission, WorkspaceRole } from '@quarry/contracts';

/** Workspace roles, strongest first, as the product names them. */
export const ROLE_LABELS: Readonly<Record<WorkspaceRole, string>> = {
  admin: 'Admin',
  manager: 'Manager',
  editor: 'Editor',
  explorer: 'Explorer',
  viewer: 'Viewer',
  guest: 'Guest',
};

export const ROLES = Object.keys(ROLE_LABELS) as WorkspaceRole[];

/** Project permissions, strongest first, as the product names them. */
export const PERMISSION_LABELS: Readonly<Record<ProjectPermission, string>> = {
  full_access: 'Full access',
  can_edit: 'Can edit',
  can_explore: 'Can explore',
  can_view: 'Can view',
};

export const PERMISSIONS = Object.keys(PERMISSION_LABELS) as ProjectPermission[];

/** The built-in groups every workspace has. */
export const BUILT_IN_GROUP_LABELS: Readonly<Record<string, string>> = {
  workspace: 'Workspace',
  workspace_guests: 'Workspace guests',
  public: 'Public',
};

const isRole = (value: string): value is WorkspaceRole => Object.hasOwn(ROLE_LABELS, value);
const isPermission = (value: string): value is ProjectPermission => Object.hasOwn(PERMISSION_LABELS, value);

/** "editor" → "Editor"; an unknown role reads as itself. */
export const roleLabel = (role: string): string => (isRole(role) ? ROLE_LABELS[role] : role);

/**
 * "can_edit" → "Can edit", "none" → "No access". Words only: what a permission allows comes from
 * the API's `can` flags, never from comparing permissions here (labels-only.test.ts checks).
 */
export const permissionLabel = (permission: string): string =>
  isPermission(permission) ? PERMISSION_LABELS[permission] : permission === 'none' ? 'No access' : permission;
