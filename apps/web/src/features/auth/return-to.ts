/**
 * Where sign-in sends someone afterwards: the page they were going to, as a path inside the SPA.
 * Anything else (another origin, `//host`, `/\host`, the sign-in page itself) is the project list,
 * so a crafted `?redirect=` cannot send a fresh session off-site.
 */
export function returnTo(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.startsWith('/')) return '/';
  if (raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  const url = new URL(raw, 'http://quarry.invalid');
  if (url.origin !== 'http://quarry.invalid') return '/';
  if (url.pathname === '/sign-in' || url.pathname.startsWith('/sign-in/')) return '/';
  return `${url.pathname}${url.search}`;
}
