import type { ProjectSharing, ShareEntry } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { grantable, shareAccessOf } from './share-access';

const me = (effective: ShareEntry['effective']): ShareEntry => ({
  target: { kind: 'user', userId: 'usr_me', email: 'me@example.com', name: 'Me', role: 'editor' },
  granted: effective,
  effective,
  reasons: [],
  canChange: true,
});

const sharing = (entry: ShareEntry, editorsCanShare = true): ProjectSharing => ({
  projectId: 'prj_1',
  editorsCanShare,
  sharedWithWeb: false,
  entries: [entry],
});

describe('shareAccessOf', () => {
  it.each([
    {
      name: 'lets Full access share and manage',
      effective: 'full_access',
      on: true,
      share: true,
      manage: true,
    },
    {
      name: 'lets Can edit share while re-sharing is on',
      effective: 'can_edit',
      on: true,
      share: true,
      manage: false,
    },
    {
      name: 'stops Can edit when re-sharing is off',
      effective: 'can_edit',
      on: false,
      share: false,
      manage: false,
    },
    { name: 'never lets Can explore share', effective: 'can_explore', on: true, share: false, manage: false },
  ] as const)('$name', ({ effective, on, share, manage }) => {
    expect(shareAccessOf(sharing(me(effective), on), 'usr_me')).toEqual({
      own: effective,
      canShare: share,
      canManage: manage,
    });
  });

  it('treats a caller missing from the list as having no access', () => {
    expect(shareAccessOf(sharing(me('full_access')), 'usr_other').canShare).toBe(false);
  });
});

describe('grantable', () => {
  it('offers nothing above what the sharer holds', () => {
    expect(grantable('can_edit')).toEqual(['can_edit', 'can_explore', 'can_view']);
    expect(grantable('none')).toEqual([]);
  });
});
