/**
 * "Require single sign-on": password sign-in stays open to Admins only, so a broken identity
 * provider never locks a workspace out. `role` is the member's WorkspaceRole. Pure; the password
 * sign-in service calls it.
 */
export function passwordSignInAllowed(input: { role: string; ssoRequired: boolean }): boolean {
  return !input.ssoRequired || input.role === 'admin';
}
