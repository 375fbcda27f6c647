import { z } from 'zod';
import { ProjectPermission, WorkspaceRole } from './roles';

/**
 * What the caller may do with one project, decided by @quarry/access from the same rules the gate
 * applies. The SPA shows or hides controls by these flags and never compares permissions itself.
 */
export const ProjectCapabilities = z.object({
  /** Open the published app (Can view and up). */
  view: z.boolean(),
  /** See the logic: every cell's SQL and the project's connections (Can explore and up). */
  explore: z.boolean(),
  /** Change cells (Can edit and up, after every downgrade). */
  edit: z.boolean(),
  /** Start runs of the project's SQL (the same permission as editing it). */
  run: z.boolean(),
  /** See results of the project's runs (any access left after every rule). */
  viewResults: z.boolean(),
  /** Add, change and remove shares: Full access, or Can edit while re-sharing is on. */
  share: z.boolean(),
  /** The project-wide switches (share with the web, re-sharing by Can edit holders): Full access. */
  manageSharing: z.boolean(),
  /** Make a copy: Can edit on the project and a role that creates projects. */
  duplicate: z.boolean(),
});
export type ProjectCapabilities = z.infer<typeof ProjectCapabilities>;

/** What the caller may do in their workspace, decided by @quarry/access from their role and its settings. */
export const WorkspaceCapabilities = z.object({
  manageMembers: z.boolean(),
  manageGroups: z.boolean(),
  manageConnections: z.boolean(),
  manageSso: z.boolean(),
  viewAudit: z.boolean(),
  createProjects: z.boolean(),
  createProjectConnections: z.boolean(),
});
export type WorkspaceCapabilities = z.infer<typeof WorkspaceCapabilities>;

/** The caller's role in the current workspace and what it lets them do there. */
export const WorkspaceAccess = z.object({ role: WorkspaceRole, can: WorkspaceCapabilities });
export type WorkspaceAccess = z.infer<typeof WorkspaceAccess>;

/** The project access a decision leaves: a permission, or `none` when the project is closed. */
export const ProjectAccessLevel = ProjectPermission.or(z.literal('none'));
export type ProjectAccessLevel = z.infer<typeof ProjectAccessLevel>;
