/** The vault context of a provider's client secret. */
export const clientSecretContext = (workspaceId: string, providerId: string) => ({
  workspaceId,
  recordId: providerId,
  purpose: 'sso.client_secret',
});
