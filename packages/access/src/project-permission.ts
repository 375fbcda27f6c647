import type { ProjectPermission } from '@quarry/contracts';

/** A project permission, or `none` when the project is closed to the actor. */
export type ProjectAccess = ProjectPermission | 'none';

/** How the product names each project permission in sentences and menus. */
export const PROJECT_PERMISSION_LABELS: Readonly<Record<ProjectPermission, string>> = Object.freeze({
  full_access: 'Full access',
  can_edit: 'Can edit',
  can_explore: 'Can explore',
  can_view: 'Can view',
});

const RANK: Readonly<Record<ProjectAccess, number>> = {
  none: 0,
  can_view: 1,
  can_explore: 2,
  can_edit: 3,
  full_access: 4,
};

/** True when `effective` is at least `required` (`none` meets nothing). */
export const meetsProjectPermission = (effective: ProjectAccess, required: ProjectPermission): boolean =>
  RANK[effective] >= RANK[required];

/** The stronger of two project accesses. */
export const strongerOf = (a: ProjectAccess, b: ProjectAccess): ProjectAccess => (RANK[a] >= RANK[b] ? a : b);

/** The weaker of two project accesses. */
export const weakerOf = (a: ProjectAccess, b: ProjectAccess): ProjectAccess => (RANK[a] <= RANK[b] ? a : b);
