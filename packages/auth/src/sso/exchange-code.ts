import { err, ok, type Result } from '@quarry/contracts';
import {
  ArcticFetchError,
  OAuth2Client,
  OAuth2RequestError,
  UnexpectedErrorResponseBodyError,
  UnexpectedResponseError,
} from 'arctic';
import { codeRejected, invalidIdToken, providerUnreachable, type SsoProtocolError } from './sso-errors';

/** An OAuth error code is a short ASCII token; anything else is not repeated back. */
const OAUTH_ERROR = /^[a-z_]{1,64}$/;

/**
 * Exchanges the authorization code at the token endpoint with the PKCE verifier (arctic sends the
 * client secret with HTTP Basic). Returns the raw identity token, still unverified.
 */
export async function exchangeAuthorizationCode(input: {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  code: string;
  codeVerifier: string;
}): Promise<Result<{ idToken: string }, SsoProtocolError>> {
  const client = new OAuth2Client(input.clientId, input.clientSecret, input.redirectUri);
  let data: object;
  try {
    const tokens = await client.validateAuthorizationCode(
      input.tokenEndpoint,
      input.code,
      input.codeVerifier,
    );
    data = tokens.data;
  } catch (error) {
    if (error instanceof OAuth2RequestError) {
      return err(codeRejected(OAUTH_ERROR.test(error.code) ? error.code : null));
    }
    if (error instanceof UnexpectedErrorResponseBodyError) return err(codeRejected(null));
    if (error instanceof UnexpectedResponseError) {
      return err(error.status >= 500 ? providerUnreachable() : codeRejected(null));
    }
    if (error instanceof ArcticFetchError) return err(providerUnreachable());
    throw error;
  }
  const idToken = 'id_token' in data ? data.id_token : undefined;
  if (typeof idToken !== 'string' || idToken === '') return err(invalidIdToken('missing'));
  return ok({ idToken });
}
