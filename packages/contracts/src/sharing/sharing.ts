import { z } from 'zod';
import { ProjectCapabilities } from '../access/capabilities';
import { ProjectPermission } from '../access/roles';
import { AccessReason, ProjectId } from '../projects/project';
import { MAX_ID_LENGTH } from '../transport/request-limits';

/** A share target: one member, or a group (built-in `workspace`, `workspace_guests`, `public`, or `grp_…`). */
export const ShareTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: z.string().max(MAX_ID_LENGTH).startsWith('usr_') }),
  z.object({ kind: z.literal('group'), groupId: z.string().min(1).max(MAX_ID_LENGTH) }),
]);
export type ShareTarget = z.infer<typeof ShareTarget>;

/** The engine's reason for a downgrade, as on a project (`access.*` code and a sentence). */
export const ShareReason = AccessReason;

/**
 * One way a grant reaches a person: shared with them by name, through a group they are in (with the
 * group's name), or Full access as the project's creator.
 */
export const ShareRoute = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct'), permission: ProjectPermission }),
  z.object({
    kind: z.literal('group'),
    groupId: z.string(),
    name: z.string(),
    permission: ProjectPermission,
  }),
  z.object({ kind: z.literal('creator'), permission: z.literal('full_access') }),
]);
export type ShareRoute = z.infer<typeof ShareRoute>;

/** One line of the share dialog: who, what was granted, what they effectively get, and why. */
export const ShareEntry = z.object({
  target: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('user'),
      userId: z.string(),
      email: z.string(),
      name: z.string(),
      role: z.string(),
    }),
    z.object({ kind: z.literal('group'), groupId: z.string(), name: z.string() }),
  ]),
  granted: ProjectPermission.or(z.literal('none')),
  effective: ProjectPermission.or(z.literal('none')),
  reasons: z.array(ShareReason),
  /**
   * The caller may change or remove this entry's own grant (for a person, their direct grant): they
   * may share, the grant is not above their own permission, and it is not Public (the web switch).
   */
  canChange: z.boolean(),
  /** How the grants reach this person (strongest first); empty for a group's own line. */
  via: z.array(ShareRoute),
  /**
   * Remove would take something away: the caller may change this entry and it has a grant of its
   * own (a person's direct grant, a group's grant). Access through a group or as creator stays.
   */
  canRemove: z.boolean(),
});
export type ShareEntry = z.infer<typeof ShareEntry>;

export const ProjectSharing = z.object({
  projectId: ProjectId,
  editorsCanShare: z.boolean(),
  sharedWithWeb: z.boolean(),
  /** What the caller may do with the project, sharing included. */
  can: ProjectCapabilities,
  /** The permissions the caller may hand out, strongest first (empty when they may not share). */
  grantable: z.array(ProjectPermission),
  /** Everyone with a grant, and every member's effective permission (members without a grant too). */
  entries: z.array(ShareEntry),
});
export type ProjectSharing = z.infer<typeof ProjectSharing>;

export const GetSharingInput = z.object({ projectId: ProjectId });
export const ShareProjectInput = z.object({
  projectId: ProjectId,
  target: ShareTarget,
  /** `none` removes the grant. */
  permission: ProjectPermission.or(z.literal('none')),
});
export const ShareWithWebInput = z.object({ projectId: ProjectId, enabled: z.boolean() });
export const EditorsCanShareInput = z.object({ projectId: ProjectId, enabled: z.boolean() });
export const DuplicateProjectInput = z.object({
  projectId: ProjectId,
  name: z.string().trim().min(1).max(120),
});
