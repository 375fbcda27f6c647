import type { ProjectPermission, WorkspaceRole } from '@quarry/contracts';

/** How the product names each workspace role. */
export const WORKSPACE_ROLE_LABELS: Readonly<Record<WorkspaceRole, string>> = Object.freeze({
  admin: 'Admin',
  manager: 'Manager',
  editor: 'Editor',
  explorer: 'Explorer',
  viewer: 'Viewer',
  guest: 'Guest',
});

/**
 * The strongest project permission each role can hold, whatever is shared with it. A Viewer holds at
 * most Can view, an Explorer at most Can explore. Guests are not capped: the seed lets a Guest hold
 * Can edit, and they are held back instead by having no access to workspace assets by default.
 */
export const ROLE_PROJECT_CAP: Readonly<Record<WorkspaceRole, ProjectPermission>> = Object.freeze({
  admin: 'full_access',
  manager: 'full_access',
  editor: 'full_access',
  explorer: 'can_explore',
  viewer: 'can_view',
  guest: 'full_access',
});
