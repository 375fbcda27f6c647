import type { Deps } from '../../deps';

/** OIDC-3: one callback path per provider, so an answer can only be read as that provider's. */
export function ssoCallbackPath(providerId: string): string {
  return `/auth/sso/${providerId}/callback`;
}

/** The redirect URI to register at the provider; matched exactly by both sides. */
export function ssoRedirectUri(publicUrl: string, providerId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${ssoCallbackPath(providerId)}`;
}

/** What a provider summary shows: the absolute redirect URI to register at the provider. */
export function redirectUriFor(deps: Deps, providerId: string): string {
  return ssoRedirectUri(deps.publicUrl, providerId);
}
