import type { BuiltInGroup } from '@quarry/contracts';
import type { Actor, GroupId } from './actor';

/** How the product names the built-in groups. */
export const BUILT_IN_GROUP_LABELS: Readonly<Record<BuiltInGroup, string>> = Object.freeze({
  workspace: 'Workspace',
  workspace_guests: 'Workspace guests',
  public: 'Public',
});

const isBuiltInGroup = (groupId: GroupId): groupId is BuiltInGroup =>
  Object.hasOwn(BUILT_IN_GROUP_LABELS, groupId);

/** A group's name for a sentence: the built-in label, or the custom group's id. */
export const describeGroup = (groupId: GroupId): string =>
  isBuiltInGroup(groupId) ? BUILT_IN_GROUP_LABELS[groupId] : groupId;

/**
 * Every group the actor is in. Built-in membership follows the role only: every non-guest member is
 * in `workspace`, Guests are in `workspace_guests` (and not in `workspace`), everyone including an
 * anonymous visitor is in `public`. Built-in ids listed among a member's custom groups are ignored,
 * so a Guest cannot reach `workspace` through a stray custom membership.
 */
export const groupsOf = (actor: Actor): ReadonlySet<GroupId> => {
  if (actor.kind === 'anonymous') return new Set<GroupId>(['public']);
  const builtIn: GroupId = actor.role === 'guest' ? 'workspace_guests' : 'workspace';
  const custom = actor.customGroupIds.filter((groupId) => !isBuiltInGroup(groupId));
  return new Set<GroupId>([builtIn, 'public', ...custom]);
};

/** The first of `groupIds` the actor is in, if any. */
export const firstSharedGroup = (actor: Actor, groupIds: readonly GroupId[]): GroupId | undefined => {
  const mine = groupsOf(actor);
  return groupIds.find((groupId) => mine.has(groupId));
};
