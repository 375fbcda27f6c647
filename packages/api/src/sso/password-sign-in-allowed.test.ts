import type { WorkspaceRole } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { passwordSignInAllowed } from './password-sign-in-allowed';

describe('passwordSignInAllowed', () => {
  it.each<[WorkspaceRole, boolean, boolean]>([
    ['admin', false, true],
    ['viewer', false, true],
    ['admin', true, true],
    ['manager', true, false],
    ['editor', true, false],
    ['explorer', true, false],
    ['viewer', true, false],
    ['guest', true, false],
  ])('lets a %s sign in with a password when SSO required is %s: %s', (role, ssoRequired, allowed) => {
    expect(passwordSignInAllowed({ role, ssoRequired })).toBe(allowed);
  });
});
