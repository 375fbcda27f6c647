import { describe, expect, it } from 'vitest';
import { describeGroup, groupsOf } from './group-membership';
import { anonymous, member } from './testing/facts';

describe('groupsOf', () => {
  for (const role of ['admin', 'manager', 'editor', 'explorer', 'viewer'] as const) {
    it(`puts a ${role} in Workspace and Public, not in Workspace guests`, () => {
      expect([...groupsOf(member(role))]).toEqual(['workspace', 'public']);
    });
  }

  it('puts a Guest in Workspace guests and Public, not in Workspace', () => {
    expect([...groupsOf(member('guest'))]).toEqual(['workspace_guests', 'public']);
  });

  it('puts an anonymous visitor in Public only', () => {
    expect([...groupsOf(anonymous)]).toEqual(['public']);
  });

  it('adds custom groups and ignores built-in ids among them', () => {
    expect([...groupsOf(member('guest', ['grp_a', 'workspace', 'public']))]).toEqual([
      'workspace_guests',
      'public',
      'grp_a',
    ]);
  });
});

describe('describeGroup', () => {
  it('names built-in groups by label and custom groups by id', () => {
    expect(describeGroup('workspace_guests')).toBe('Workspace guests');
    expect(describeGroup('grp_data_team')).toBe('grp_data_team');
  });
});
