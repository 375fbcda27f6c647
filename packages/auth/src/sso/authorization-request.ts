import { CodeChallengeMethod, generateCodeVerifier, generateState, OAuth2Client } from 'arctic';
import { SSO_SCOPES } from './sso-kinds';

/** What the flow cookie must keep until the callback (OIDC-2). */
export type AuthorizationRequest = { url: URL; state: string; nonce: string; codeVerifier: string };

/**
 * The authorization URL for one sign-in: authorization code flow with PKCE (S256), a fresh `state`
 * and `nonce` (256 bits each from the CSPRNG), scopes `openid email profile`.
 */
export function createAuthorizationRequest(input: {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
}): AuthorizationRequest {
  const state = generateState();
  const nonce = generateState();
  const codeVerifier = generateCodeVerifier();
  const client = new OAuth2Client(input.clientId, null, input.redirectUri);
  const url = client.createAuthorizationURLWithPKCE(
    input.authorizationEndpoint,
    state,
    CodeChallengeMethod.S256,
    codeVerifier,
    [...SSO_SCOPES],
  );
  url.searchParams.set('nonce', nonce);
  return { url, state, nonce, codeVerifier };
}
