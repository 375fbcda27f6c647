import type { ProjectPermission } from '@quarry/contracts';
import type { GroupId } from './actor';
import { meetsProjectPermission, PROJECT_PERMISSION_LABELS, type ProjectAccess } from './project-permission';
import { decideGrant } from './share-management';
import type { AccessCheck } from './share-permission';

/**
 * Where a grant change comes from: the share dialog (`share`), or the "share with the web" switch
 * (`web`), which is the only door to the Public group.
 */
export type GrantChannel = 'share' | 'web';

/** One change to one grant row: who it is for, what it is now, and what it becomes. */
export type GrantChange = {
  /** The caller's own effective permission on the project. */
  sharer: ProjectAccess;
  target: { kind: 'user' } | { kind: 'group'; groupId: GroupId };
  /** The grant row's permission before the change (`none` when there is no row). */
  current: ProjectAccess;
  /** The permission after the change (`none` removes the row). */
  next: ProjectAccess;
  channel: GrantChannel;
};

/**
 * May the caller make this change to a project grant? In this order:
 *
 * 1. Public holds every Guest and every anonymous visitor of the web, so granting it anything is
 *    "share with the web": only that switch does it, and it needs Full access. The share dialog
 *    never touches Public, whatever the caller holds. Workspace and Workspace guests are ordinary
 *    groups of members here (the seed adds them like any group); the other rules cover them.
 * 2. Nobody changes or removes a grant above their own permission: a Can edit holder cannot take
 *    Full access away from anyone (removal is a change to `none`, not an exception).
 * 3. Nobody grants more than they hold.
 */
export const decideGrantChange = (change: GrantChange): AccessCheck => {
  const isPublic = change.target.kind === 'group' && change.target.groupId === 'public';
  if (isPublic && change.channel === 'share') {
    return {
      allowed: false,
      reason: {
        code: 'access.public_only_through_web',
        message:
          'Public includes every Guest and anyone with the link on the web: use Share with the web, which needs Full access',
      },
    };
  }
  if (change.channel === 'web') {
    if (!isPublic) throw new Error('the web switch changes the Public grant only');
    if (change.sharer !== 'full_access') {
      return {
        allowed: false,
        reason: {
          code: 'access.web_sharing_needs_full_access',
          message: 'Sharing with the web needs Full access',
        },
      };
    }
    if (change.next !== 'none' && change.next !== 'can_view') {
      return {
        allowed: false,
        reason: {
          code: 'access.web_sharing_view_only',
          message: 'An app shared with the web is shared at Can view only',
        },
      };
    }
  }
  if (change.current !== 'none' && !meetsProjectPermission(change.sharer, change.current)) {
    return {
      allowed: false,
      reason: {
        code: 'access.change_above_own',
        message: `You can't change the access of someone who holds more than you: they hold ${label(change.current)}, you hold ${change.sharer === 'none' ? 'nothing' : label(change.sharer)}`,
      },
    };
  }
  if (change.next === 'none') return { allowed: true };
  return decideGrant({ sharer: change.sharer, permission: change.next });
};

const label = (permission: ProjectPermission): string => PROJECT_PERMISSION_LABELS[permission];
