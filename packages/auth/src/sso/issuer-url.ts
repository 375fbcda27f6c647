const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a provider URL (the issuer or an endpoint it publishes) may be used: https, no user info,
 * no fragment. Plain http only for a loopback host, and only when the caller allows it (Quarry
 * itself on plain-http localhost: development and tests).
 */
export function isAcceptableProviderUrl(value: string, options: { allowInsecureLoopback: boolean }): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && options.allowInsecureLoopback && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * OpenID Connect Discovery 1.0 §4: any terminating `/` of the issuer is removed before appending
 * the well-known path. The issuer itself is compared exactly, never normalised.
 */
export function discoveryUrlFor(issuer: string): string {
  return `${issuer.endsWith('/') ? issuer.slice(0, -1) : issuer}/.well-known/openid-configuration`;
}
