import { describe, expect, it } from 'vitest';
import { grantRoutes } from './grant-routes';
import { anonymous, member, toGroup, toUser } from './testing/facts';

describe('grantRoutes', () => {
  it('names every way a grant reaches a member, strongest first', () => {
    const routes = grantRoutes({
      actor: member('editor', ['grp_data']),
      grants: [toUser('can_view'), toGroup('can_edit', 'grp_data'), toGroup('can_explore', 'workspace')],
    });
    expect(routes).toEqual([
      { kind: 'group', groupId: 'grp_data', permission: 'can_edit' },
      { kind: 'group', groupId: 'workspace', permission: 'can_explore' },
      { kind: 'direct', permission: 'can_view' },
    ]);
  });

  it('puts the creator first and ignores grants to others and to groups the member is not in', () => {
    const routes = grantRoutes({
      actor: member('editor'),
      isProjectOwner: true,
      grants: [toUser('full_access', 'usr_other'), toGroup('can_edit', 'grp_data'), toUser('full_access')],
    });
    expect(routes).toEqual([
      { kind: 'creator', permission: 'full_access' },
      { kind: 'direct', permission: 'full_access' },
    ]);
  });

  it('reaches a Guest through Workspace guests, never through Workspace', () => {
    const routes = grantRoutes({
      actor: member('guest', ['workspace']),
      grants: [toGroup('can_edit', 'workspace'), toGroup('can_view', 'workspace_guests')],
    });
    expect(routes).toEqual([{ kind: 'group', groupId: 'workspace_guests', permission: 'can_view' }]);
  });

  it('reaches an anonymous visitor through Public only, never as creator', () => {
    const routes = grantRoutes({
      actor: anonymous,
      isProjectOwner: true,
      grants: [toGroup('can_view', 'public'), toGroup('can_edit', 'workspace')],
    });
    expect(routes).toEqual([{ kind: 'group', groupId: 'public', permission: 'can_view' }]);
  });

  it('finds no route for a member nothing is shared with', () => {
    expect(grantRoutes({ actor: member('editor'), grants: [toUser('can_edit', 'usr_other')] })).toEqual([]);
  });
});
