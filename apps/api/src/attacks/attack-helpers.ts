import { createServer } from 'node:net';
import type { ApiHarness, TestOp } from '@quarry/api/testing';
import { expect } from 'vitest';
import { Browser, reachCallback } from '../testing/sso-browser';
import { FIXTURE_PASSWORD, startTestApi, type TestApi } from '../testing/start-test-api';

export { Browser, FIXTURE_PASSWORD, reachCallback };

export const SESSION_COOKIE = 'quarry_session';

/** A free loopback port, so the API's public URL (and so its SSO redirect URIs) can name it. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The real API process on loopback, with a public URL that names its port (so SSO works end to end)
 * and the test OpenID provider's loopback address allowed. `quarry` is the public URL (localhost),
 * a different cookie host from the provider's 127.0.0.1, as in a browser.
 */
export async function startAttackApi(
  h: ApiHarness,
  env: Record<string, string> = {},
): Promise<TestApi & { quarry: string }> {
  const port = await freePort();
  const quarry = `http://localhost:${port}`;
  const api = await startTestApi(h, {
    PORT: String(port),
    HOST: '127.0.0.1',
    QUARRY_PUBLIC_URL: quarry,
    QUARRY_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,localhost,::1',
    ...env,
  });
  return { ...api, quarry };
}

export type TrpcAnswer<T = unknown> = {
  status: number;
  data?: T;
  error?: { code: string; message: string; hint?: string };
  setCookie: string[];
  text: string;
};

/** One tRPC call over HTTP: a mutation as a same-origin POST, a query as a GET. */
export async function call<T = unknown>(
  base: string,
  path: string,
  input: unknown,
  opts: { cookie?: string; bearer?: string; query?: boolean; headers?: Record<string, string> } = {},
): Promise<TrpcAnswer<T>> {
  const headers: Record<string, string> = { 'sec-fetch-site': 'same-origin', ...(opts.headers ?? {}) };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  let response: Response;
  if (opts.query) {
    const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
    response = await fetch(`${base}/trpc/${path}${q}`, { headers });
  } else {
    headers['content-type'] = 'application/json';
    response = await fetch(`${base}/trpc/${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ json: input }),
    });
  }
  return parse<T>(response);
}

export async function parse<T>(response: Response): Promise<TrpcAnswer<T>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const b = body as {
    result?: { data?: { json?: T } };
    error?: { json?: { data?: { quarry?: { code: string; message: string; hint?: string } } } } & {
      code?: string;
      message?: string;
    };
  };
  const quarry = b?.error?.json?.data?.quarry ?? (b?.error?.code ? (b.error as never) : undefined);
  return {
    status: response.status,
    ...(b?.result?.data ? { data: b.result.data.json as T } : {}),
    ...(quarry ? { error: quarry } : {}),
    setCookie: response.headers.getSetCookie(),
    text,
  };
}

/** The session cookie pair (`quarry_session=…`) a response set, or throws. */
export function sessionFrom(answer: TrpcAnswer): string {
  const line = answer.setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!line) throw new Error(`no session cookie in ${answer.status}: ${answer.text.slice(0, 300)}`);
  return line.split(';')[0] ?? '';
}

/** Password sign-in over HTTP; returns the cookie pair. */
export async function signInOverHttp(
  base: string,
  input: { email: string; password?: string; workspaceId?: string },
): Promise<string> {
  const answer = await call(base, 'auth.signIn', { password: FIXTURE_PASSWORD, ...input });
  expect(answer.status, answer.text).toBe(200);
  return sessionFrom(answer);
}

/** Completes an SSO sign-in as `sub`; the browser then holds whatever session Quarry gave. */
export async function ssoSignIn(
  quarry: string,
  input: { providerId: string; sub: string; browser?: Browser },
): Promise<{ browser: Browser; location: string; session: string | undefined }> {
  const browser = input.browser ?? new Browser();
  const callback = await reachCallback(browser, quarry, input);
  const response = await browser.get(callback.toString());
  return {
    browser,
    location: response.headers.get('location') ?? '',
    session: browser.cookie(quarry, SESSION_COOKIE),
  };
}

/**
 * What an Admin does over HTTP: add the provider in Quarry, then register its redirect URI at the
 * provider. Returns the provider id.
 */
export async function addProviderOverHttp(
  quarry: string,
  adminCookie: string,
  op: TestOp,
  clientId: string,
): Promise<string> {
  const clientSecret = `secret-for-${clientId}`;
  const created = await call<{ id: string; redirectUri: string }>(
    quarry,
    'sso.createProvider',
    { kind: 'oidc', name: `IdP ${clientId}`, issuer: op.issuer, clientId, clientSecret },
    { cookie: adminCookie },
  );
  expect(created.status, created.text).toBe(200);
  const { id, redirectUri } = created.data ?? { id: '', redirectUri: '' };
  await op.registerClient({ clientId, clientSecret, redirectUri });
  return id;
}

/** `auth.me` over HTTP with a cookie pair; the user and workspace it acts as, or the status. */
export async function whoAmI(
  quarry: string,
  cookie: string,
): Promise<{ status: number; userId?: string; workspaceId?: string; role?: string }> {
  const me = await call<{ userId: string; workspace: { id: string; role: string } }>(
    quarry,
    'auth.me',
    undefined,
    { cookie, query: true },
  );
  return {
    status: me.status,
    ...(me.data
      ? { userId: me.data.userId, workspaceId: me.data.workspace.id, role: me.data.workspace.role }
      : {}),
  };
}
