export { type AuthorizationRequest, createAuthorizationRequest } from './authorization-request';
export {
  type DiscoveryFailure,
  type DiscoveryOptions,
  discoverIssuer,
  type IssuerMetadata,
} from './discover-issuer';
export { exchangeAuthorizationCode } from './exchange-code';
export { createIssuerCache, type IssuerCache, type IssuerClient, issuerCache } from './issuer-cache';
export { discoveryUrlFor, isAcceptableProviderUrl } from './issuer-url';
export {
  codeRejected,
  discoveryFailed,
  emailUnverified,
  insecureIssuer,
  invalidIdToken,
  issuerMismatch,
  nonceMismatch,
  providerUnreachable,
  type SsoProtocolError,
  type SsoProtocolErrorCode,
} from './sso-errors';
export { SSO_KIND_DEFAULTS, SSO_SCOPES, type SsoKindName } from './sso-kinds';
export {
  ID_TOKEN_ALGORITHMS,
  type IdTokenClaims,
  type VerifyIdTokenInput,
  verifyIdToken,
} from './verify-id-token';
