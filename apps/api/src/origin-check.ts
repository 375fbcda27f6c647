/**
 * AUTH-5: a state-changing request is ours when the browser says it is same-origin, or when its
 * Origin is exactly our public origin. Anything else (another site, a missing Origin) is refused.
 */
export function isSameOrigin(input: {
  origin: string | undefined;
  secFetchSite: string | undefined;
  publicUrl: string;
}): boolean {
  if (input.secFetchSite === 'same-origin') return true;
  if (!input.origin) return false;
  try {
    return new URL(input.origin).origin === new URL(input.publicUrl).origin;
  } catch {
    return false;
  }
}

/**
 * Queries that change something as they answer: reading a run's events delivers its result, whose
 * chunks are deleted as they go. AUTH-5 holds them to the same origin rule as a mutation when they
 * carry the session cookie, since a GET from a sibling subdomain's page is sent with a Lax cookie and
 * an `accept` header needs no preflight.
 */
export const DELIVERING_QUERIES: ReadonlySet<string> = new Set(['runs.events']);
