import type { Me } from '@quarry/contracts';
import { type QueryClient, queryOptions, useQuery } from '@tanstack/react-query';
import { trpcClient } from '../../trpc';
import { hasCode, quarryErrorOf } from '../../ui/quarry-error';

/** Who is signed in: `Me`, or `null` when the server says `auth.signed_out`. */
export const sessionQueryKey = ['session'] as const;

export const sessionQueryOptions = queryOptions({
  queryKey: sessionQueryKey,
  queryFn: async (): Promise<Me | null> => {
    try {
      return await trpcClient.auth.me.query();
    } catch (error) {
      if (hasCode(quarryErrorOf(error), 'auth.signed_out')) return null;
      throw error;
    }
  },
  staleTime: Number.POSITIVE_INFINITY,
});

export function useSession() {
  return useQuery(sessionQueryOptions);
}

/** Forgets everything the signed-in user could see and shows the sign-in page. */
export function markSignedOut(queryClient: QueryClient): void {
  queryClient.setQueryData(sessionQueryKey, null);
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
}

export function markSignedIn(queryClient: QueryClient, me: Me): void {
  queryClient.setQueryData(sessionQueryKey, me);
}

/**
 * A session can end while the page is open (expiry, sign-out elsewhere). Any query or mutation
 * answering `auth.signed_out` sends the user back to the sign-in page.
 */
export function watchForSignOut(queryClient: QueryClient): () => void {
  const signedOut = (error: unknown) => hasCode(quarryErrorOf(error), 'auth.signed_out');
  const stopQueries = queryClient.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated' || event.action.type !== 'error') return;
    if (event.query.queryKey[0] === sessionQueryKey[0]) return;
    if (signedOut(event.action.error)) markSignedOut(queryClient);
  });
  const stopMutations = queryClient.getMutationCache().subscribe((event) => {
    if (event.type !== 'updated' || event.action.type !== 'error') return;
    if (signedOut(event.action.error)) markSignedOut(queryClient);
  });
  return () => {
    stopQueries();
    stopMutations();
  };
}
