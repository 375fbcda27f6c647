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
  /** Response headers the transport sends back (Set-Cookie on sign-in and sign-out). */
  resHeaders: Headers;
  /**
   * Whether the transport can send this request's answer as a stream (tRPC: a JSON-lines batch);
   * unset for a caller in this process, which takes whatever the procedure answers.
   */
  streams?: boolean;
};

/** Who is calling: a session cookie, a personal API token (`Authorization: Bearer qry_…`), or nobody. */
export async function createContext(input: {
  deps: Deps;
  headers: Headers;
  resHeaders: Headers;
  request: RequestInfo;
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
  return {
    deps,
    caller,
    request: input.request,
    resHeaders: input.resHeaders,
    ...(input.streams === undefined ? {} : { streams: input.streams }),
  };
}
