import { z } from 'zod';

/** Workspace roles, strongest first. The role caps what any project grant can give (see @quarry/access). */
export const WorkspaceRole = z.enum(['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest']);
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;

/** Project permissions, strongest first. `can_view` sees the published app only. */
export const ProjectPermission = z.enum(['full_access', 'can_edit', 'can_explore', 'can_view']);
export type ProjectPermission = z.infer<typeof ProjectPermission>;

/** The built-in groups every workspace has; custom groups have ids of their own (`grp_…`). */
export const BuiltInGroup = z.enum(['workspace', 'workspace_guests', 'public']);
export type BuiltInGroup = z.infer<typeof BuiltInGroup>;
