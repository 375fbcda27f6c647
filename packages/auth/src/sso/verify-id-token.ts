import { err, ok, type Result } from '@quarry/contracts';
import { errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { invalidIdToken, nonceMismatch, providerUnreachable, type SsoProtocolError } from './sso-errors';

/** The only algorithms an identity token may be signed with: never `none`, never a MAC (HS*). */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. */
const CLOCK_TOLERANCE_S = 30;

/** What Quarry takes from a verified identity token. */
export type IdTokenClaims = {
  issuer: string;
  subject: string;
  email: string | null;
  /** True only when the provider sent the JSON boolean `true`. */
  emailVerified: boolean;
  name: string | null;
};

export type VerifyIdTokenInput = {
  /** The configured issuer: `iss` must equal it exactly. */
  issuer: string;
  /** The provider row's client id: `aud` must contain it (and `azp` name it when present). */
  clientId: string;
  /** The nonce stored in the flow cookie at the start of this sign-in. */
  nonce: string;
  /** The issuer's keys: `createRemoteJWKSet(jwks_uri)` in production, a local set in tests. */
  keys: JWTVerifyGetKey;
  now?: Date;
};

/**
 * OIDC-1: arctic does not verify identity tokens, so this does: the signature against the issuer's
 * JWKS with an explicit algorithm list, `iss`, `aud`, `exp` (required, not just checked when
 * present), `iat`, `sub`, `azp` for multi-audience tokens, and the `nonce` of this flow.
 */
export async function verifyIdToken(
  idToken: string,
  input: VerifyIdTokenInput,
): Promise<Result<IdTokenClaims, SsoProtocolError>> {
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(idToken, input.keys, {
      algorithms: [...ID_TOKEN_ALGORITHMS],
      issuer: input.issuer,
      audience: input.clientId,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_S,
      ...(input.now ? { currentDate: input.now } : {}),
    });
    payload = verified.payload;
  } catch (error) {
    const reason = reasonFor(error);
    if (reason === 'unreachable') return err(providerUnreachable());
    if (reason === null) throw error;
    return err(invalidIdToken(reason));
  }

  const subject = payload.sub;
  if (typeof subject !== 'string' || subject === '') return err(invalidIdToken('subject'));
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const azp = payload.azp;
  if ((audiences.length > 1 || azp !== undefined) && azp !== input.clientId) {
    return err(invalidIdToken('authorized_party'));
  }
  if (typeof payload.nonce !== 'string' || payload.nonce !== input.nonce) return err(nonceMismatch());

  const email =
    typeof payload.email === 'string' && payload.email.trim() !== '' ? payload.email.trim() : null;
  const name = typeof payload.name === 'string' && payload.name.trim() !== '' ? payload.name.trim() : null;
  return ok({
    issuer: input.issuer,
    subject,
    email,
    emailVerified: payload.email_verified === true,
    name,
  });
}

/** A short, safe reason for a failed verification; null for an error that is not jose's (a bug). */
function reasonFor(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'iss') return 'issuer';
    return `claim_${error.claim}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  // A timeout, or the bare JOSEError jose throws only when the JWKS answer is not 200 or not JSON.
  if (error instanceof errors.JWKSTimeout || error.constructor === errors.JOSEError) return 'unreachable';
  if (error instanceof errors.JOSEError) return 'malformed';
  // The remote key set's fetch failing (network, abort) surfaces as a plain TypeError or DOMException.
  if (error instanceof TypeError || error.name === 'AbortError') return 'unreachable';
  return null;
}
