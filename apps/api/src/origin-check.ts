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
