import { err, ok, type Result } from '@quarry/contracts';
import { type AllowList, fetchChecked, resolveAndCheckHost } from '@quarry/net-policy';
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
  /**
   * CONN-2: loopback, link-local, metadata and private addresses are refused unless allowed here
   * (QUARRY_ALLOWED_PRIVATE_HOSTS); a loopback issuer needs this as well as plain http.
   */
  allowPrivateHosts: AllowList;
  timeoutMs?: number;
  /** Told why discovery failed (host, address, HTTP status): for the log, never for the user. */
  onFailure?: (detail: DiscoveryFailure) => void;
};

export type DiscoveryFailure = { issuer: string; reason: string; address?: string | null };

const MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads `<issuer>/.well-known/openid-configuration`. OIDC-1: the document's `issuer` must equal
 * the configured issuer exactly (no normalisation), else `sso.issuer_mismatch`. Redirects are not
 * followed, the body is capped, and every endpoint must pass the same URL policy as the issuer.
 * Every failure answers the same generic `sso.discovery_failed`; `onFailure` hears the reason.
 */
export async function discoverIssuer(
  issuer: string,
  options: DiscoveryOptions,
): Promise<Result<IssuerMetadata, SsoProtocolError>> {
  const policy = { allowInsecureLoopback: options.allowInsecureLoopback };
  const failed = (reason: string, address?: string | null) => {
    options.onFailure?.({ issuer, reason, ...(address === undefined ? {} : { address }) });
    return err(discoveryFailed());
  };
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return err(insecureIssuer());
  }
  // The address first, so an internal host answers the generic failure whatever its scheme.
  const checked = await resolveAndCheckHost(url.hostname, { allow: options.allowPrivateHosts });
  if (!checked.ok) return failed(checked.error.code, checked.error.details.address);
  if (!isAcceptableProviderUrl(issuer, policy)) return err(insecureIssuer());
  if (url.search) return failed('an issuer URL has no query string');

  // The address policy is checked before anything is sent, and the request connects only to the
  // addresses checked (no second resolution, so no DNS-rebinding window).
  const response = await fetchChecked(new URL(discoveryUrlFor(issuer)), {
    allow: options.allowPrivateHosts,
    timeoutMs: options.timeoutMs ?? 5000,
    maxBytes: MAX_BODY_BYTES,
    headers: { accept: 'application/json' },
  });
  if (!response.ok) {
    const { code, details } = response.error;
    const address = typeof details.address === 'string' ? details.address : undefined;
    return failed(typeof details.reason === 'string' ? `${code}: ${details.reason}` : code, address);
  }
  if (response.value.status !== 200) return failed(`it answered HTTP ${response.value.status}`);
  const body = response.value.body.toString('utf8');

  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return failed('the document is not JSON');
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    return failed('the document is not a JSON object');
  }
  const field = (name: string): unknown => (document as Record<string, unknown>)[name];

  const published = field('issuer');
  if (typeof published !== 'string') return failed('it names no issuer');
  if (published !== issuer) return err(issuerMismatch(issuer, published));

  const authorizationEndpoint = field('authorization_endpoint');
  const tokenEndpoint = field('token_endpoint');
  const jwksUri = field('jwks_uri');
  if (
    typeof authorizationEndpoint !== 'string' ||
    typeof tokenEndpoint !== 'string' ||
    typeof jwksUri !== 'string'
  ) {
    return failed('it does not publish its authorization, token and JWKS endpoints');
  }
  for (const url of [authorizationEndpoint, tokenEndpoint, jwksUri]) {
    if (!isAcceptableProviderUrl(url, policy)) return err(insecureIssuer());
  }
  // Quarry's server calls the token endpoint and the JWKS: they answer to the same address policy.
  for (const url of [tokenEndpoint, jwksUri]) {
    const checked = await resolveAndCheckHost(new URL(url).hostname, { allow: options.allowPrivateHosts });
    if (!checked.ok) return failed(`${url}: ${checked.error.code}`, checked.error.details.address);
  }

  const pkceMethods = field('code_challenge_methods_supported');
  if (Array.isArray(pkceMethods) && !pkceMethods.includes('S256')) {
    return failed('it does not support PKCE with S256');
  }
  const algorithms = field('id_token_signing_alg_values_supported');
  const accepted: readonly unknown[] = ID_TOKEN_ALGORITHMS;
  if (Array.isArray(algorithms) && !algorithms.some((alg) => accepted.includes(alg))) {
    return failed(`it signs identity tokens with none of ${ID_TOKEN_ALGORITHMS.join(', ')}`);
  }

  return ok({
    issuer: published,
    authorizationEndpoint,
    tokenEndpoint,
    jwksUri,
    issParameterSupported: field('authorization_response_iss_parameter_supported') === true,
  });
}
