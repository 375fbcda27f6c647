import { MAX_CALLS_PER_REQUEST, MAX_REQUEST_BODY_BYTES, type QuarryError } from '@quarry/contracts';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * Procedures that check a password or a single-use secret. AUTH-7: one HTTP request carries at most
 * one of them, so a batch cannot hold sixty guesses that are all evaluated before any limit counts
 * them. A new procedure that checks a credential goes on this list.
 */
export const CREDENTIAL_PROCEDURES: readonly string[] = [
  'auth.signIn',
  'invites.accept',
  'invites.join',
  'sessions.changePassword',
  // A connection test is a login attempt with a password the caller chose, made by the runner from
  // inside the operator's network: one per request, like a sign-in (AUTH-7).
  'connections.test',
  'connections.testNew',
  'connections.testNewForProject',
];

/**
 * The procedures one `/trpc` request calls, read from its URL exactly as tRPC's fetch adapter reads
 * it: the path after the endpoint, slashes trimmed, percent-decoded, split on commas when `batch=1`.
 * Null when the path cannot be decoded (tRPC refuses those too).
 */
export function proceduresOf(url: URL, endpoint = '/trpc'): string[] | null {
  const trim = (path: string) => path.replace(/^\//, '').replace(/\/$/, '');
  const path = trim(trim(url.pathname).slice(trim(endpoint).length));
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  return url.searchParams.get('batch') === '1' ? decoded.split(',') : [decoded];
}

/** Why a request's list of calls is refused before any of them runs, or null when it is fine. */
export function callLimitRefusal(procedures: readonly string[] | null): QuarryError | null {
  if (procedures === null) {
    return {
      code: 'request.bad_path',
      message: 'The request names no procedure that could be read',
      hint: 'Check the URL the client sends',
    };
  }
  if (procedures.length > MAX_CALLS_PER_REQUEST) {
    return {
      code: 'request.batch_too_large',
      message: `One request carries at most ${MAX_CALLS_PER_REQUEST} calls; this one had ${procedures.length}`,
      hint: `Send at most ${MAX_CALLS_PER_REQUEST} calls per request (a tRPC batch link's maxItems)`,
    };
  }
  const credentials = procedures.filter((p) => CREDENTIAL_PROCEDURES.includes(p)).length;
  if (credentials > 1) {
    return {
      code: 'request.credential_batch',
      message: 'One request checks at most one password, invitation or connection',
      hint: 'Send each sign-in, invitation acceptance, password change or connection test in a request of its own',
    };
  }
  return null;
}

const refuse = (c: Context, error: QuarryError, status: 400 | 413) => c.json({ error }, status);

/** Refuses a `/trpc` request with too many calls, or more than one credential check, before any runs. */
export function callLimits(): MiddlewareHandler {
  return async (c, next) => {
    const refusal = callLimitRefusal(proceduresOf(new URL(c.req.url)));
    if (refusal) return refuse(c, refusal, 400);
    return next();
  };
}

/**
 * A body larger than this is refused with 413 before it is read into memory, whether it announces
 * its length or streams in chunks: three 300 MB sign-ins took the API to 1.5 GB (issue 7, item 15).
 */
export function bodySizeLimit(maxSize = MAX_REQUEST_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      refuse(
        c,
        {
          code: 'request.too_large',
          message: `The request body is larger than ${Math.round(maxSize / 1024)} kB`,
          hint: 'Send less data in one request',
        },
        413,
      ),
  });
}
