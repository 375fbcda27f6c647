import type { WorkspaceRole } from '@quarry/contracts';
/**
 * "Require single sign-on": password sign-in stays open to Admins only, so a broken identity
 * provider never locks a workspace out. Pure; the password
 * sign-in service calls it.
 */
export function passwordSignInAllowed(input: { role: WorkspaceRole; ssoRequired: boolean }): boolean {
  return !input.ssoRequired || input.role === 'admin';
}
