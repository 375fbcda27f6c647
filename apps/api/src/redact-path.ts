/** Paths whose segments after the prefix carry a secret (an invite link's `inv_….<secret>`). */
const SECRET_PREFIXES = ['/invite/'];

/** A segment shaped like one of our tokens (`inv_<id>.<secret>`, `qry_…`): redacted wherever it is. */
const TOKEN_SEGMENT = /^[a-z]{2,4}_[a-z2-7]{8,}[.][a-z2-7]{16,}$/i;

const MAX_LOGGED_PATH = 512;

/**
 * AUTH-8, the second line of defence: what the request log records of a path. Secrets travel in
 * POST bodies and URL fragments (which never reach the server), but an old link or a careless
 * client can still put one in a path; it is replaced with `[redacted]`. The query string is never
 * passed here, so it is never logged.
 */
export function redactPath(path: string): string {
  for (const prefix of SECRET_PREFIXES) {
    if (path.startsWith(prefix)) return `${prefix}[redacted]`;
  }
  const redacted = path
    .split('/')
    .map((segment) => (TOKEN_SEGMENT.test(safeDecode(segment)) ? '[redacted]' : segment))
    .join('/');
  return redacted.length > MAX_LOGGED_PATH ? `${redacted.slice(0, MAX_LOGGED_PATH)}…` : redacted;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
