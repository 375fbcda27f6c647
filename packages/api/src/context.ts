import { type SessionActor, type TokenActor, validateApiToken, validateSessionToken } from '@quarry/auth';
import { readSessionCookie } from './auth/session-cookie';
import type { Deps } from './deps';

export type Caller =
  | { kind: 'session'; session: SessionActor & { expiresAt: Date } }
  | { kind: 'token'; token: TokenActor }
  | { kind: 'anonymous' };

export type RequestInfo = { ip: string | null; userAgent: string | null; requestId: string };

export type Context = {
  deps: Deps;
  caller: Caller;
  request: RequestInfo;
  /**
   * Whether the answer may be a stream: the transport asked for JSON lines (tRPC's
   * httpBatchStreamLink), or the call is in-process. A procedure that answers with a stream checks
   * it before doing anything: tRPC finds out only once the procedure has returned.
   */
  streams: boolean;
  /** Response headers the transport sends back (Set-Cookie on sign-in and sign-out). */
  resHeaders: Headers;
};

/** Who is calling: a session cookie, a personal API token (`Authorization: Bearer qry_…`), or nobody. */
export async function createContext(input: {
  deps: Deps;
  headers: Headers;
  resHeaders: Headers;
  request: RequestInfo;
  /** Set for an in-process caller; over HTTP, read from the request's headers. */
  streams?: boolean;
}): Promise<Context> {
  const { deps, headers } = input;
  const now = deps.now();
  const bearer = /^Bearer (\S+)$/.exec(headers.get('authorization') ?? '')?.[1];
  let caller: Caller = { kind: 'anonymous' };
  if (bearer) {
    const token = await validateApiToken(deps.db, bearer, now);
    if (token) caller = { kind: 'token', token };
  } else {
    const cookie = readSessionCookie(headers.get('cookie'), deps.secureCookies);
    const session = cookie ? await validateSessionToken(deps.db, cookie, now) : null;
    if (session) caller = { kind: 'session', session };
  }
  const streams = input.streams ?? asksForJsonLines(headers);
  return { deps, caller, request: input.request, resHeaders: input.resHeaders, streams };
}

/**
 * tRPC's own test for a streamed answer: its `trpc-accept` header when there is one, else `accept`,
 * naming JSON lines.
 */
function asksForJsonLines(headers: Headers): boolean {
  const trpcAccept = headers.get('trpc-accept');
  if (trpcAccept !== null) return trpcAccept === 'application/jsonl';
  return (headers.get('accept') ?? '').split(',').some((type) => type.trim() === 'application/jsonl');
}
