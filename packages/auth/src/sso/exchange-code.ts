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
 * How long the token endpoint gets to answer. arctic's request takes no signal and sets no timeout
 * of its own (Node's fetch would wait 5 minutes for headers), so a provider that accepts the
 * connection and never answers would hold the person's sign-in, and a request slot, that long.
 */
export const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

const TIMED_OUT = Symbol('timed out');

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
  timeoutMs?: number;
}): Promise<Result<{ idToken: string }, SsoProtocolError>> {
  const client = new OAuth2Client(input.clientId, input.clientSecret, input.redirectUri);
  let data: object;
  try {
    const exchange = client.validateAuthorizationCode(input.tokenEndpoint, input.code, input.codeVerifier);
    const tokens = await beforeDeadline(exchange, input.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS);
    if (tokens === TIMED_OUT) return err(providerUnreachable());
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

/**
 * The promise's value, or TIMED_OUT once `ms` pass. arctic cannot abort its fetch, so a late answer
 * (or failure) is dropped: nothing waits for it and its rejection is not left unhandled.
 */
async function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    const winner = await Promise.race([promise, deadline]);
    if (winner === TIMED_OUT) promise.catch(() => undefined);
    return winner;
  } finally {
    clearTimeout(timer);
  }
}
