/** The OpenID Connect protocol pieces this domain uses, from @quarry/auth's `sso` entry point. */
export {
  createAuthorizationRequest,
  createIssuerCache,
  type DiscoveryOptions,
  discoverIssuer,
  emailUnverified,
  exchangeAuthorizationCode,
  type IdTokenClaims,
  issuerCache,
  issuerMismatch,
  type SsoProtocolError,
  verifyIdToken,
} from '@quarry/auth/sso';
