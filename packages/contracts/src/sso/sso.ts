import { z } from 'zod';
import { WorkspaceRole } from '../access/roles';

export const SsoKind = z.enum(['google', 'okta', 'oidc']);
export type SsoKind = z.infer<typeof SsoKind>;
export const SsoProviderSummary = z.object({
  id: z.string().startsWith('sso_'),
  kind: SsoKind,
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  /** Where to register the redirect URI at the provider: one callback path per provider (OIDC-3). */
  redirectUri: z.string(),
});
export type SsoProviderSummary = z.infer<typeof SsoProviderSummary>;
export const CreateSsoProviderInput = z.object({
  kind: SsoKind,
  name: z.string().trim().min(1).max(80),
  issuer: z.string().max(2000).url(),
  clientId: z.string().min(1).max(300),
  /** Write-only: never returned. */
  clientSecret: z.string().min(1).max(2000),
});
export const SsoSettings = z.object({
  allowedEmailDomains: z
    .array(
      z
        .string()
        .trim()
        .max(253)
        .toLowerCase()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, { message: 'Enter a domain such as example.com' }),
    )
    .max(200),
  defaultRole: WorkspaceRole.exclude(['admin']),
  ssoRequired: z.boolean(),
});
/** Public: which buttons the sign-in page shows. */
export const SignInOptions = z.object({
  providers: z.array(z.object({ id: z.string(), name: z.string(), kind: SsoKind })),
});
