import { describe, expect, it } from 'vitest';
import { decideGrant, decideShareManagement } from './share-management';

describe('who may change sharing', () => {
  it.each([
    ['full_access', true, true],
    ['full_access', false, true],
    ['can_edit', true, true],
    ['can_edit', false, false],
    ['can_explore', true, false],
    ['can_view', true, false],
    ['none', true, false],
  ] as const)('%s with re-sharing %s → allowed %s', (effective, editorsCanShare, allowed) => {
    expect(decideShareManagement({ effective, editorsCanShare }).allowed).toBe(allowed);
  });

  it('says why a Can edit holder is refused when a Full access holder switched re-sharing off', () => {
    const check = decideShareManagement({ effective: 'can_edit', editorsCanShare: false });
    expect(check).toEqual({
      allowed: false,
      reason: {
        code: 'access.resharing_off',
        message: expect.stringContaining('re-sharing by Can edit holders is switched off'),
      },
    });
  });
});

describe('how much one may grant', () => {
  it('lets a sharer grant up to their own permission and no more', () => {
    expect(decideGrant({ sharer: 'can_edit', permission: 'can_edit' }).allowed).toBe(true);
    expect(decideGrant({ sharer: 'can_edit', permission: 'can_view' }).allowed).toBe(true);
    expect(decideGrant({ sharer: 'full_access', permission: 'full_access' }).allowed).toBe(true);
    expect(decideGrant({ sharer: 'can_edit', permission: 'full_access' })).toEqual({
      allowed: false,
      reason: { code: 'access.grant_above_own', message: 'You can share at most Can edit on this project' },
    });
  });
});
