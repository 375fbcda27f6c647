import { describe, expect, it } from 'vitest';
import { decideShareManagement } from './share-management';

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
      reason: { code: 'access.resharing_off', message: expect.stringContaining('re-sharing by Can edit holders is switched off') },
    });
  });
});
