import { describe, expect, it } from 'vitest';
import { decideGrantChange, type GrantChange } from './grant-change';

const user = { kind: 'user' } as const;
const group = (groupId: string) => ({ kind: 'group', groupId }) as const;

type Row = GrantChange & { name: string; refusal: string | null };

const rows: Row[] = [
  // Public is "share with the web", never a share-dialog grant.
  {
    name: 'refuses a Can edit holder who shares with Public through the share dialog',
    sharer: 'can_edit',
    target: group('public'),
    current: 'none',
    next: 'can_view',
    channel: 'share',
    refusal: 'access.public_only_through_web',
  },
  {
    name: 'refuses even a Full access holder who grants Public through the share dialog',
    sharer: 'full_access',
    target: group('public'),
    current: 'none',
    next: 'can_edit',
    channel: 'share',
    refusal: 'access.public_only_through_web',
  },
  {
    name: 'refuses removing Public through the share dialog (the web switch does it)',
    sharer: 'full_access',
    target: group('public'),
    current: 'can_view',
    next: 'none',
    channel: 'share',
    refusal: 'access.public_only_through_web',
  },
  {
    name: 'lets a Full access holder share with the web at Can view',
    sharer: 'full_access',
    target: group('public'),
    current: 'none',
    next: 'can_view',
    channel: 'web',
    refusal: null,
  },
  {
    name: 'lets a Full access holder stop sharing with the web',
    sharer: 'full_access',
    target: group('public'),
    current: 'can_view',
    next: 'none',
    channel: 'web',
    refusal: null,
  },
  {
    name: 'refuses a Can edit holder who shares with the web',
    sharer: 'can_edit',
    target: group('public'),
    current: 'none',
    next: 'can_view',
    channel: 'web',
    refusal: 'access.web_sharing_needs_full_access',
  },
  {
    name: 'refuses sharing with the web above Can view',
    sharer: 'full_access',
    target: group('public'),
    current: 'none',
    next: 'can_explore',
    channel: 'web',
    refusal: 'access.web_sharing_view_only',
  },
  // Workspace and Workspace guests are groups of members: the ordinary rules apply.
  {
    name: 'lets a Can edit holder share with Workspace guests at Can view',
    sharer: 'can_edit',
    target: group('workspace_guests'),
    current: 'none',
    next: 'can_view',
    channel: 'share',
    refusal: null,
  },
  {
    name: 'lets a Can edit holder share with Workspace at Can edit',
    sharer: 'can_edit',
    target: group('workspace'),
    current: 'can_view',
    next: 'can_edit',
    channel: 'share',
    refusal: null,
  },
  // Nobody changes a grant above their own.
  {
    name: 'refuses a Can edit holder who removes a Full access holder',
    sharer: 'can_edit',
    target: user,
    current: 'full_access',
    next: 'none',
    channel: 'share',
    refusal: 'access.change_above_own',
  },
  {
    name: 'refuses a Can edit holder who downgrades a Full access holder to Can view',
    sharer: 'can_edit',
    target: user,
    current: 'full_access',
    next: 'can_view',
    channel: 'share',
    refusal: 'access.change_above_own',
  },
  {
    name: 'refuses a Can edit holder who downgrades a group holding Full access',
    sharer: 'can_edit',
    target: group('grp_data_team'),
    current: 'full_access',
    next: 'can_edit',
    channel: 'share',
    refusal: 'access.change_above_own',
  },
  {
    name: 'lets a Can edit holder remove another Can edit holder',
    sharer: 'can_edit',
    target: user,
    current: 'can_edit',
    next: 'none',
    channel: 'share',
    refusal: null,
  },
  {
    name: 'lets a Can edit holder downgrade a Can explore holder',
    sharer: 'can_edit',
    target: user,
    current: 'can_explore',
    next: 'can_view',
    channel: 'share',
    refusal: null,
  },
  {
    name: 'lets a Full access holder remove another Full access holder',
    sharer: 'full_access',
    target: user,
    current: 'full_access',
    next: 'none',
    channel: 'share',
    refusal: null,
  },
  // Nobody grants more than they hold.
  {
    name: 'refuses a Can edit holder who grants Full access',
    sharer: 'can_edit',
    target: user,
    current: 'none',
    next: 'full_access',
    channel: 'share',
    refusal: 'access.grant_above_own',
  },
  {
    name: 'lets a Can edit holder grant Can edit',
    sharer: 'can_edit',
    target: user,
    current: 'none',
    next: 'can_edit',
    channel: 'share',
    refusal: null,
  },
];

describe('changing a project grant', () => {
  it.each(rows)('$name', ({ name: _name, refusal, ...change }) => {
    const check = decideGrantChange(change);
    expect(check.allowed ? null : check.reason.code).toBe(refusal);
  });

  it('tells a Can edit holder why they cannot change a Full access holder', () => {
    expect(
      decideGrantChange({
        sharer: 'can_edit',
        target: user,
        current: 'full_access',
        next: 'none',
        channel: 'share',
      }),
    ).toEqual({
      allowed: false,
      reason: {
        code: 'access.change_above_own',
        message:
          "You can't change the access of someone who holds more than you: they hold Full access, you hold Can edit",
      },
    });
  });

  it('names the way to share with the web when the share dialog is asked for Public', () => {
    const check = decideGrantChange({
      sharer: 'full_access',
      target: group('public'),
      current: 'none',
      next: 'can_view',
      channel: 'share',
    });
    expect(check.allowed ? '' : check.reason.message).toContain(
      'use Share with the web, which needs Full access',
    );
  });
});
