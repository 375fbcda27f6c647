/** The kinds of SsoKind in @quarry/contracts. */
export type SsoKindName = 'google' | 'okta' | 'oidc';

/** A kind only picks defaults and labels; every kind runs the same OpenID Connect code path. */
export const SSO_KIND_DEFAULTS: Record<
  SsoKindName,
  { label: string; issuer: string | null; issuerHint: string }
> = {
  google: {
    label: 'Google',
    issuer: 'https://accounts.google.com',
    issuerHint: 'https://accounts.google.com',
  },
  okta: {
    label: 'Okta',
    issuer: null,
    issuerHint: 'https://<your-org>.okta.com/oauth2/default (or https://<your-org>.okta.com)',
  },
  oidc: {
    label: 'OpenID Connect',
    issuer: null,
    issuerHint: 'The issuer URL your provider publishes in its openid-configuration',
  },
};

/** What Quarry asks every provider for. */
export const SSO_SCOPES = ['openid', 'email', 'profile'] as const;
