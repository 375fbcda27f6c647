import type { QuarryError } from '@quarry/contracts';

/**
 * The protocol-level failures of an OpenID Connect sign-in. Messages never carry tokens, codes,
 * secrets or the provider's raw error text; `details` holds short, safe facts only.
 */
export type SsoProtocolErrorCode =
  | 'sso.discovery_failed'
  | 'sso.issuer_mismatch'
  | 'sso.insecure_issuer'
  | 'sso.code_rejected'
  | 'sso.provider_unreachable'
  | 'sso.invalid_id_token'
  | 'sso.nonce_mismatch'
  | 'sso.email_unverified';

export type SsoProtocolError = QuarryError & { code: SsoProtocolErrorCode };

/**
 * One message whatever went wrong (an HTTP status, a refused or unreachable address, a bad
 * document), so adding a provider cannot be used to probe the network; the log keeps the reason.
 */
export const discoveryFailed = (): SsoProtocolError => ({
  code: 'sso.discovery_failed',
  message: "Quarry could not read the identity provider's configuration",
  hint: 'Check the issuer URL; Quarry reads <issuer>/.well-known/openid-configuration',
});

export const issuerMismatch = (expected: string, actual: string): SsoProtocolError => ({
  code: 'sso.issuer_mismatch',
  message: `The provider names itself ${actual}, not ${expected}`,
  hint: 'Enter the issuer exactly as the provider publishes it (scheme, host, path, trailing slash)',
  details: { expected, actual },
});

export const insecureIssuer = (): SsoProtocolError => ({
  code: 'sso.insecure_issuer',
  message: 'The issuer and its endpoints must use https',
  hint: 'Plain http is accepted only for a loopback provider allowed in QUARRY_ALLOWED_PRIVATE_HOSTS while Quarry itself runs on plain-http localhost',
});

export const codeRejected = (oauthError: string | null): SsoProtocolError => ({
  code: 'sso.code_rejected',
  message: 'The provider refused to exchange the sign-in code',
  hint: 'Start the sign-in again; if it keeps failing, check the client id and secret',
  ...(oauthError ? { details: { error: oauthError } } : {}),
});

export const providerUnreachable = (): SsoProtocolError => ({
  code: 'sso.provider_unreachable',
  message: 'The identity provider did not answer',
  hint: 'Try again in a moment',
});

export const invalidIdToken = (reason: string): SsoProtocolError => ({
  code: 'sso.invalid_id_token',
  message: 'The identity token from the provider failed verification',
  hint: 'Start the sign-in again; if it keeps failing, check the provider configuration',
  details: { reason },
});

export const nonceMismatch = (): SsoProtocolError => ({
  code: 'sso.nonce_mismatch',
  message: 'The identity token was not issued for this sign-in',
  hint: 'Start the sign-in again from Quarry',
});

export const emailUnverified = (): SsoProtocolError => ({
  code: 'sso.email_unverified',
  message: 'The provider did not vouch for your email address',
  hint: 'Verify your email address with your identity provider, then sign in again',
});
