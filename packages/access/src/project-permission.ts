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

/**
 * A permission's rank; anything that is not one (a stored row edited to 'revoked') ranks as `none`,
 * so it never outranks a real grant and never meets a requirement.
 */
const rankOf = (access: string): number => (Object.hasOwn(RANK, access) ? RANK[access as ProjectAccess] : 0);

/** True when `effective` is at least `required` (`none` meets nothing). */
export const meetsProjectPermission = (effective: ProjectAccess, required: ProjectPermission): boolean =>
  rankOf(effective) > 0 && rankOf(effective) >= rankOf(required);

/** The stronger of two project accesses. */
export const strongerOf = (a: ProjectAccess, b: ProjectAccess): ProjectAccess =>
  rankOf(a) >= rankOf(b) ? a : b;

/** The weaker of two project accesses. */
export const weakerOf = (a: ProjectAccess, b: ProjectAccess): ProjectAccess =>
  rankOf(a) <= rankOf(b) ? a : b;
