import type { WorkspaceRole } from '@quarry/contracts';

/** A group id: a built-in group (`workspace`, `workspace_guests`, `public`) or a custom `grp_…`. */
export type GroupId = string;

/** A signed-in member of the workspace, with the custom groups they were added to. */
export type MemberActor = { kind: 'member'; userId: string; role: WorkspaceRole; customGroupIds: GroupId[] };

/** A visitor of an app shared with the web, who is not part of the workspace. */
export type AnonymousActor = { kind: 'anonymous' };

/** Whoever a decision is about. */
export type Actor = MemberActor | AnonymousActor;

/** Admins can do everything: every asset, Can query and Can view results on every connection. */
export const isAdmin = (actor: Actor): boolean => actor.kind === 'member' && actor.role === 'admin';
