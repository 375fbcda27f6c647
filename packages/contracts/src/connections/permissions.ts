import { z } from 'zod';
import { ConnectionId } from '../projects/project';

const GroupRef = z.string().min(1).max(40);

/** Who a connection serves: the workspace (Admins set it up; reusable) or one project. */
export const ConnectionScope = z.enum(['workspace', 'project']);
export type ConnectionScope = z.infer<typeof ConnectionScope>;

/** A draft is saved before it is complete (workspace connections only); it cannot be queried. */
export const ConnectionStatus = z.enum(['draft', 'ready']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** Who may refresh a connection's schema. */
export const CanRefreshSchema = z.enum(['can_query', 'admins_only']);
export type CanRefreshSchema = z.infer<typeof CanRefreshSchema>;

/** The connection permission facts of the seeds; `null` means the seed's default. */
export const UpdateConnectionPermissionsInput = z.object({
  connectionId: ConnectionId,
  groupsWithAccess: z.array(GroupRef).min(1).max(200),
  canQuery: z.array(GroupRef).max(200).nullable(),
  canViewResults: z.array(GroupRef).max(200).nullable(),
  canRefreshSchema: CanRefreshSchema,
});
export type UpdateConnectionPermissionsInput = z.infer<typeof UpdateConnectionPermissionsInput>;
export const ConnectionPermissions = UpdateConnectionPermissionsInput.extend({ name: z.string() });
export type ConnectionPermissions = z.infer<typeof ConnectionPermissions>;

/**
 * What a permissions change would do before it is saved: each person whose access to a project
 * importing the connection would change, from what to what, and why (the engine's reasons).
 */
export const PermissionChangePreview = z.object({
  changes: z.array(
    z.object({
      userId: z.string(),
      name: z.string(),
      email: z.string(),
      projectId: z.string(),
      projectName: z.string(),
      before: z.enum(['full_access', 'can_edit', 'can_explore', 'can_view', 'none']),
      after: z.enum(['full_access', 'can_edit', 'can_explore', 'can_view', 'none']),
      reasons: z.array(z.object({ code: z.string(), message: z.string() })),
    }),
  ),
});
export type PermissionChangePreview = z.infer<typeof PermissionChangePreview>;
