import { z } from 'zod';
import { WorkspaceRole } from '../access/roles';
import { Email, Password } from '../auth/sign-in';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const UserId = z.string().max(MAX_ID_LENGTH).startsWith('usr_');
export const GroupId = z.string().max(MAX_ID_LENGTH).startsWith('grp_');

export const MemberSummary = z.object({
  userId: UserId,
  email: z.string(),
  name: z.string(),
  role: WorkspaceRole,
  status: z.enum(['active', 'deactivated']),
  groups: z.array(z.object({ id: GroupId, name: z.string() })),
  joinedAt: z.date(),
});
export type MemberSummary = z.infer<typeof MemberSummary>;

export const ChangeRoleInput = z.object({ userId: UserId, role: WorkspaceRole });
export const MemberInput = z.object({ userId: UserId });

export const GroupSummary = z.object({
  id: GroupId,
  name: z.string(),
  members: z.array(z.object({ userId: UserId, email: z.string(), name: z.string() })),
});
export type GroupSummary = z.infer<typeof GroupSummary>;
export const CreateGroupInput = z.object({
  name: z.string().trim().min(1, { message: 'Name the group' }).max(80),
});
export const GroupInput = z.object({ groupId: GroupId });
export const GroupMemberInput = z.object({ groupId: GroupId, userId: UserId });

export const INVITE_TTL_DAYS = 7;
export const CreateInviteInput = z.object({ email: Email, role: WorkspaceRole });
export const InviteSummary = z.object({
  id: z.string().startsWith('inv_'),
  email: z.string(),
  role: WorkspaceRole,
  createdAt: z.date(),
  expiresAt: z.date(),
  status: z.enum(['pending', 'accepted', 'expired', 'revoked']),
});
export type InviteSummary = z.infer<typeof InviteSummary>;
/** Returned once: the link carries the single-use secret. */
export const CreatedInvite = z.object({ invite: InviteSummary, link: z.string() });
export const InviteInput = z.object({ inviteId: z.string().max(MAX_ID_LENGTH).startsWith('inv_') });
export const AcceptInviteInput = z.object({
  token: z.string().min(10).max(200),
  name: z.string().trim().min(1, { message: 'Enter your name' }).max(120),
  password: Password,
});
/** Accepting with an account that already exists: its password instead of a new name and password. */
export const JoinWithAccountInput = z.object({
  token: z.string().min(10).max(200),
  password: z.string().min(1).max(256),
});
export type JoinWithAccountInput = z.infer<typeof JoinWithAccountInput>;

/**
 * What the invite page shows: which workspace, which email, which role, and whether that email
 * already has an account (then the invitee joins with its password). Only the link's holder sees it.
 */
export const InvitePreview = z.object({
  workspaceName: z.string(),
  email: z.string(),
  role: WorkspaceRole,
  hasAccount: z.boolean(),
});
export type InvitePreview = z.infer<typeof InvitePreview>;

/** A group as the share dialog offers it to every member: no member list, no emails. */
export const GroupOption = z.object({ id: GroupId, name: z.string() });
export type GroupOption = z.infer<typeof GroupOption>;
