import type { QueryClient } from '@tanstack/react-query';
import { type ParsedLocation, redirect, useRouter } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { returnTo } from './return-to';
import { sessionQueryKey, sessionQueryOptions } from './session';

/**
 * The sign-in gate, run by the router before a page loads (router.tsx). Every page but sign-in and
 * the invitation needs a session: a signed-out visitor goes to `/sign-in?redirect=<where they were
 * going>`, and sign-in sends them there afterwards. The SSO callback's `/?sso_error=` travels to the
 * sign-in page beside the redirect, so the error shows there and leaves with it.
 */
export type SignInSearch = { redirect?: string; sso_error?: string };

export async function requireSession({
  queryClient,
  location,
}: {
  queryClient: QueryClient;
  location: ParsedLocation;
}): Promise<void> {
  if (await queryClient.ensureQueryData(sessionQueryOptions)) return;
  const search = new URLSearchParams(location.searchStr);
  const ssoError = search.get('sso_error');
  search.delete('sso_error');
  const query = search.toString();
  const target = `${location.pathname}${query ? `?${query}` : ''}`;
  throw redirect({
    to: '/sign-in',
    search: { ...(target === '/' ? {} : { redirect: target }), ...(ssoError ? { sso_error: ssoError } : {}) },
    replace: true,
  });
}

/** `/sign-in` for someone already signed in: on to where they were going. */
export async function leaveSignInWhenSignedIn({
  queryClient,
  search,
}: {
  queryClient: QueryClient;
  search: SignInSearch;
}): Promise<void> {
  if (await queryClient.ensureQueryData(sessionQueryOptions)) {
    throw redirect({ href: returnTo(search.redirect), replace: true });
  }
}

/**
 * Signing in, out, switching workspace, or a session ending on the server (features/auth/session.ts)
 * all change the cached session: the router then runs the gate again for the page that is open.
 */
export function rerunGateOnSessionChange(queryClient: QueryClient, rerun: () => void): () => void {
  let last = queryClient.getQueryData(sessionQueryKey);
  return queryClient.getQueryCache().subscribe((event) => {
    if (event.query.queryKey[0] !== sessionQueryKey[0]) return;
    const now = event.query.state.data;
    if (now === last) return;
    const first = last === undefined;
    last = now;
    // The first answer is the one the gate is already waiting for.
    if (!first) rerun();
  });
}

export function Splash({ children }: { children?: ReactNode }) {
  return (
    <main className="splash" aria-busy={children ? undefined : true}>
      {children ?? <p className="muted">Loading Quarry…</p>}
    </main>
  );
}

/** Asking the server who is signed in failed (the network, the server): say so, and ask again. */
export function SessionError({ error }: { error: unknown }) {
  const router = useRouter();
  return (
    <Splash>
      <ErrorMessage error={quarryErrorOf(error)}>
        <button type="button" className="button" onClick={() => router.invalidate()}>
          Try again
        </button>
      </ErrorMessage>
    </Splash>
  );
}
