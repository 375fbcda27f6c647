import { useSyncExternalStore } from 'react';

/**
 * AUTH-8: an invite link is `/invite#inv_….<secret>`. The fragment never leaves the browser: no
 * request line, proxy log or Referer header carries it. Links made before this were
 * `/invite/inv_….<secret>`; `moveInviteTokenToFragment` rewrites those in place before the SPA
 * sends any request, so the secret stops travelling in the Referer of the API calls that follow.
 */
const LEGACY = /^\/invite\/([^/]+)\/?$/;

/** Where an old `/invite/<token>` link belongs now (`/invite#<token>`), or null for any other path. */
export function legacyInviteFragment(pathname: string): string | null {
  const legacy = LEGACY.exec(pathname)?.[1];
  return legacy ? `/invite#${legacy}` : null;
}

/** Call before the router reads the URL: rewrites an old invite link in place, without a reload. */
export function moveInviteTokenToFragment(): void {
  const moved = legacyInviteFragment(window.location.pathname);
  if (moved) window.history.replaceState(null, '', moved);
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

function readToken(): string {
  const fragment = window.location.hash.replace(/^#/, '');
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

/** The invite token in the URL fragment ('' when there is none); follows a pasted new link. */
export function useInviteToken(): string {
  return useSyncExternalStore(subscribe, readToken);
}
