import type { Deps } from '../../deps';

/** OIDC-3: one callback path per provider, so an answer can only be read as that provider's. */
export function ssoCallbackPath(providerId: string): string {
  return `/auth/sso/${providerId}/callback`;
}

/** The redirect URI to register at the provider; matched exactly by both sides. */
export function ssoRedirectUri(publicUrl: string, providerId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${ssoCallbackPath(providerId)}`;
}

/**
 * The public URL, when the deps carry one. `Deps` has no `publicUrl` yet; until it does, provider
 * summaries show the callback path alone. apps/api passes the public URL to the SSO routes itself.
 */
export function publicUrlOf(deps: Deps): string | null {
  const value: unknown = (deps as Deps & { publicUrl?: unknown }).publicUrl;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** What a provider summary shows: the absolute redirect URI when the public URL is known. */
export function redirectUriFor(deps: Deps, providerId: string): string {
  const publicUrl = publicUrlOf(deps);
  return publicUrl ? ssoRedirectUri(publicUrl, providerId) : ssoCallbackPath(providerId);
}
