import { err, ok, type Result } from '@quarry/contracts';
import { discoveryUrlFor, isAcceptableProviderUrl } from './issuer-url';
import { discoveryFailed, insecureIssuer, issuerMismatch, type SsoProtocolError } from './sso-errors';
import { ID_TOKEN_ALGORITHMS } from './verify-id-token';

/** The parts of a provider's OpenID configuration Quarry uses. */
export type IssuerMetadata = {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** RFC 9207: the provider names itself (`iss`) in every authorization response. */
  issParameterSupported: boolean;
};

export type DiscoveryOptions = {
  /** Accept plain http for a loopback issuer (Quarry on plain-http localhost only). */
  allowInsecureLoopback: boolean;
  timeoutMs?: number;
};

const MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads `<issuer>/.well-known/openid-configuration`. OIDC-1: the document's `issuer` must equal
 * the configured issuer exactly (no normalisation), else `sso.issuer_mismatch`. Redirects are not
 * followed, the body is capped, and every endpoint must pass the same URL policy as the issuer.
 */
export async function discoverIssuer(
  issuer: string,
  options: DiscoveryOptions,
): Promise<Result<IssuerMetadata, SsoProtocolError>> {
  const policy = { allowInsecureLoopback: options.allowInsecureLoopback };
  if (!isAcceptableProviderUrl(issuer, policy)) return err(insecureIssuer());
  if (new URL(issuer).search) return err(discoveryFailed('an issuer URL has no query string'));

  let body: string;
  try {
    const response = await fetch(discoveryUrlFor(issuer), {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return err(discoveryFailed(`it answered HTTP ${response.status}`));
    }
    body = await response.text();
  } catch {
    return err(discoveryFailed('the provider could not be reached'));
  }
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) return err(discoveryFailed('the document is too large'));

  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return err(discoveryFailed('the document is not JSON'));
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    return err(discoveryFailed('the document is not a JSON object'));
  }
  const field = (name: string): unknown => (document as Record<string, unknown>)[name];

  const published = field('issuer');
  if (typeof published !== 'string') return err(discoveryFailed('it names no issuer'));
  if (published !== issuer) return err(issuerMismatch(issuer, published));

  const authorizationEndpoint = field('authorization_endpoint');
  const tokenEndpoint = field('token_endpoint');
  const jwksUri = field('jwks_uri');
  if (
    typeof authorizationEndpoint !== 'string' ||
    typeof tokenEndpoint !== 'string' ||
    typeof jwksUri !== 'string'
  ) {
    return err(discoveryFailed('it does not publish its authorization, token and JWKS endpoints'));
  }
  for (const url of [authorizationEndpoint, tokenEndpoint, jwksUri]) {
    if (!isAcceptableProviderUrl(url, policy)) return err(insecureIssuer());
  }

  const pkceMethods = field('code_challenge_methods_supported');
  if (Array.isArray(pkceMethods) && !pkceMethods.includes('S256')) {
    return err(discoveryFailed('it does not support PKCE with S256'));
  }
  const algorithms = field('id_token_signing_alg_values_supported');
  const accepted: readonly unknown[] = ID_TOKEN_ALGORITHMS;
  if (Array.isArray(algorithms) && !algorithms.some((alg) => accepted.includes(alg))) {
    return err(discoveryFailed(`it signs identity tokens with none of ${ID_TOKEN_ALGORITHMS.join(', ')}`));
  }

  return ok({
    issuer: published,
    authorizationEndpoint,
    tokenEndpoint,
    jwksUri,
    issParameterSupported: field('authorization_response_iss_parameter_supported') === true,
  });
}
