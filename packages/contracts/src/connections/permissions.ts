import { z } from 'zod';
import { ConnectionId } from '../projects/project';

const GroupRef = z.string().min(1).max(40);

/** Who a connection serves: the workspace (Admins set it up; reusable) or one project. */
export const ConnectionScope = z.enum(['workspace', 'project']);
export type ConnectionScope = z.infer<typeof ConnectionScope>;

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
