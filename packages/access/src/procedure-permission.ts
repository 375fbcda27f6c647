import type { ProcedurePermission, ProjectPermission } from '@quarry/contracts';

const REQUIRED: Partial<Record<ProcedurePermission, ProjectPermission>> = {
  'project:view': 'can_view',
  'project:explore': 'can_explore',
  'project:edit': 'can_edit',
  'project:full': 'full_access',
};

/** The project permission a `project:*` procedure permission needs, or undefined for any other. */
export const projectPermissionRequiredBy = (permission: ProcedurePermission): ProjectPermission | undefined =>
  REQUIRED[permission];
