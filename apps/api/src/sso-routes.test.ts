import { type ServerType, serve } from '@hono/node-server';
// The test provider lives beside the SSO services; this import follows sso-routes.ts's until
// @quarry/api exports its SSO pieces.
import { type ApiHarness, createApiHarness, startTestOp, type TestOp } from '@quarry/api/testing';
import { createSession } from '@quarry/auth';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import {
  Browser,
  startFromSignInPage as startFromSignInPageOf,
  reachCallback as walkToCallback,
} from './testing/sso-browser';

let h: ApiHarness;
let sql: ApiHarness['database']['sql'];
let op: TestOp;
let server: ServerType;
let quarry: string;
/** Milliseconds added to Quarry's clock, to let a flow expire. */
let skew = 0;
let providerA: string;
let providerB: string;
const FLOW_COOKIE = 'quarry_sso_flow';
const SESSION_COOKIE = 'quarry_session';

async function trpc<T>(path: string, input: unknown, cookie: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${quarry}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ json: input }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function adminCookie(workspace: ApiHarness['a']): Promise<string> {
  const { token } = await createSession(h.database.db, {
    userId: workspace.users.admin.id,
    workspaceId: workspace.workspaceId,
  });
  return `${SESSION_COOKIE}=${token}`;
}

type Created = { result: { data: { json: { id: string; redirectUri: string } } } };

/** What an Admin does: add the provider in Quarry, then register its redirect URI at the provider. */
async function addProvider(workspace: ApiHarness['a'], clientId: string): Promise<string> {
  const clientSecret = `secret-for-${clientId}`;
  const created = await trpc<Created>(
    'sso.createProvider',
    { kind: 'oidc', name: `IdP ${clientId}`, issuer: op.issuer, clientId, clientSecret },
    await adminCookie(workspace),
  );
  expect(created.status).toBe(200);
  const { id, redirectUri } = created.body.result.data.json;
  expect(redirectUri).toBe(`${quarry}/auth/sso/${id}/callback`);
  await op.registerClient({ clientId, clientSecret, redirectUri });
  return id;
}

beforeAll(async () => {
  [h, op] = await Promise.all([createApiHarness({ orders: 10 }), startTestOp()]);
  sql = h.database.sql;
  let app: ReturnType<typeof createApp> | undefined;
  server = await new Promise<ServerType>((resolve) => {
    const s = serve(
      {
        fetch: (request, env) => (app ? app.fetch(request, env) : new Response(null, { status: 503 })),
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(s),
    );
  });
  const address = server.address();
  // Quarry on "localhost", the provider on "127.0.0.1": two hosts, so two cookie jars, as in a browser.
  quarry = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  const deps = { ...h.deps, publicUrl: quarry, now: () => new Date(Date.now() + skew) };
  app = createApp({
    deps,
    log: pino({ level: 'silent' }),
    ready: async () => ({ database: true, queue: true }),
  });
  providerA = await addProvider(h.a, 'quarry-a');
  providerB = await addProvider(h.b, 'quarry-b');
  const settings = await trpc(
    'sso.updateSettings',
    { allowedEmailDomains: ['acme.test'], defaultRole: 'explorer', ssoRequired: false },
    await adminCookie(h.a),
  );
  expect(settings.status).toBe(200);
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await op?.close();
  await h?.close();
});

const startFromSignInPage = (browser: Browser, providerId: string) =>
  startFromSignInPageOf(browser, quarry, providerId);

/** Walks a sign-in at provider A (unless told another) up to the unfollowed redirect back to Quarry. */
const reachCallback = (
  browser: Browser,
  input: { providerId?: string; sub: string; tamper?: (url: URL) => void; abort?: boolean },
): Promise<URL> => walkToCallback(browser, quarry, { ...input, providerId: input.providerId ?? providerA });

async function me(browser: Browser): Promise<{ status: number; userId?: string; role?: string }> {
  const cookie = browser.cookie(quarry, SESSION_COOKIE);
  const response = await fetch(`${quarry}/trpc/auth.me`, {
    headers: cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {},
  });
  const body = (await response.json()) as {
    result?: { data: { json: { userId: string; workspace: { role: string } } } };
  };
  const json = body.result?.data.json;
  return { status: response.status, userId: json?.userId, role: json?.workspace.role };
}

async function signInAs(
  sub: string,
  providerId = providerA,
): Promise<{ browser: Browser; response: Response }> {
  const browser = new Browser();
  const callback = await reachCallback(browser, { sub, providerId });
  return { browser, response: await browser.get(callback.toString()) };
}

async function failuresWith(code: string): Promise<number> {
  const [row] = await sql`
    select count(*)::int as n from audit_events
    where action = 'auth.sign_in' and outcome = 'failure'
      and details->>'method' = 'sso' and details->>'code' = ${code}`;
  return Number(row?.n);
}

async function sessionCount(): Promise<number> {
  const [row] = await sql`select count(*)::int as n from sessions`;
  return Number(row?.n);
}

/** The callback refused with `code`: redirected with it, no session anywhere, one failure audited. */
async function expectRefusal(browser: Browser, send: () => Promise<Response>, code: string): Promise<void> {
  const [sessionsBefore, failuresBefore] = [await sessionCount(), await failuresWith(code)];
  const response = await send();
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe(`/?sso_error=${code}`);
  expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  expect(browser.cookie(quarry, SESSION_COOKIE)).toBeUndefined();
  expect(browser.cookie(quarry, FLOW_COOKIE)).toBeUndefined();
  expect(await sessionCount()).toBe(sessionsBefore);
  expect(await failuresWith(code)).toBe(failuresBefore + 1);
}

describe('SSO sign-in against a real OpenID provider', () => {
  it('starts with PKCE S256, state, nonce and the openid email profile scopes, in a sealed 10-minute cookie', async () => {
    const browser = new Browser();
    const start = await startFromSignInPage(browser, providerA);
    expect(start.status).toBe(303);
    const location = new URL(start.headers.get('location') ?? '');
    expect(location.origin).toBe(op.issuer);
    const params = Object.fromEntries(location.searchParams);
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: 'quarry-a',
      redirect_uri: `${quarry}/auth/sso/${providerA}/callback`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    for (const key of ['state', 'nonce', 'code_challenge'])
      expect(params[key]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [cookie] = start.headers.getSetCookie();
    expect(cookie).toMatch(
      /^quarry_sso_flow=[A-Za-z0-9_-]+; Path=\/auth\/sso; HttpOnly; SameSite=Lax; Max-Age=600$/,
    );
    for (const key of ['state', 'nonce'] as const) {
      expect(
        Buffer.from(browser.cookie(quarry, FLOW_COOKIE) ?? '', 'base64url').toString('latin1'),
      ).not.toContain(params[key]);
    }
    expect(start.headers.get('cache-control')).toBe('no-store');
  });

  it('links an existing member by verified email, makes a session that works, and audits it', async () => {
    const editor = h.a.users.editor;
    op.accounts.set('alice', { sub: 'alice', email: editor.email, emailVerified: true, name: 'Alice' });
    const { browser, response } = await signInAs('alice');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    const setCookies = response.headers.getSetCookie();
    expect(setCookies[0]).toBe(`${FLOW_COOKIE}=; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age=0`);
    expect(setCookies[1]).toMatch(
      /^quarry_session=[a-z2-7]+\.[a-z2-7]{52}; Path=\/; HttpOnly; SameSite=Lax; Expires=/,
    );
    expect(response.headers.get('location')).not.toMatch(/code|token|state/);
    expect(await me(browser)).toEqual({ status: 200, userId: editor.id, role: 'editor' });

    const [identity] = await sql`
      select user_id from user_identities where issuer = ${op.issuer} and subject = 'alice'`;
    expect(identity?.user_id).toBe(editor.id);
    const signIns = await sql`
      select chain, outcome, details from audit_events
      where action = 'auth.sign_in' and actor_id = ${editor.id} order by id`;
    expect(signIns.at(-1)).toMatchObject({
      chain: h.a.workspaceId,
      outcome: 'success',
      details: { method: 'sso', provider: providerA },
    });
  });

  it('finds the same account by (iss, sub) on the next sign-in, even after the email changed at the provider', async () => {
    const editor = h.a.users.editor;
    op.accounts.set('alice', { sub: 'alice', email: 'alice@renamed.example', emailVerified: false });
    const first = await signInAs('alice');
    const second = await signInAs('alice');
    expect(first.response.headers.get('location')).toBe('/');
    expect(await me(first.browser)).toMatchObject({ status: 200, userId: editor.id });
    expect(await me(second.browser)).toMatchObject({ status: 200, userId: editor.id });
    // A new session at every sign-in.
    expect(first.browser.cookie(quarry, SESSION_COOKIE)).not.toBe(
      second.browser.cookie(quarry, SESSION_COOKIE),
    );
  });

  it('provisions someone new from an allowed domain with the SSO default role', async () => {
    op.accounts.set('newbie', {
      sub: 'newbie',
      email: 'Newbie@Acme.test',
      emailVerified: true,
      name: 'New Bie',
    });
    const { browser, response } = await signInAs('newbie');
    expect(response.headers.get('location')).toBe('/');
    const session = await me(browser);
    expect(session).toMatchObject({ status: 200, role: 'explorer' });
    const [user] = await sql`select email, name, password_hash from users where id = ${session.userId ?? ''}`;
    expect(user).toEqual({ email: 'Newbie@Acme.test', name: 'New Bie', password_hash: null });
    const members = await sql`
      select workspace_id, role from workspace_members where user_id = ${session.userId ?? ''}`;
    expect(members).toEqual([{ workspace_id: h.a.workspaceId, role: 'explorer' }]);
  });

  it('refuses a callback whose state was tampered with', async () => {
    op.accounts.set('bob', { sub: 'bob', email: h.a.users.manager.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'bob' });
    callback.searchParams.set('state', 'A'.repeat(43));
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.state_mismatch');
  });

  it('refuses a replayed callback: once without the cookie, and once with a kept copy of it', async () => {
    op.accounts.set('carol', { sub: 'carol', email: h.a.users.explorer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'carol' });
    const kept = browser.cookie(quarry, FLOW_COOKIE) ?? '';
    const first = await browser.get(callback.toString());
    expect(first.headers.get('location')).toBe('/');
    const replay = new Browser();
    await expectRefusal(replay, () => replay.get(callback.toString()), 'sso.flow_missing');
    const thief = new Browser();
    thief.setCookie(quarry, FLOW_COOKIE, kept, '/auth/sso');
    await expectRefusal(thief, () => thief.get(callback.toString()), 'sso.flow_replayed');
  });

  it("refuses one provider's answer at another provider's callback (one callback path per provider)", async () => {
    op.accounts.set('dave', { sub: 'dave', email: h.a.users.viewer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'dave' });
    const elsewhere = new URL(callback);
    elsewhere.pathname = `/auth/sso/${providerB}/callback`;
    await expectRefusal(browser, () => browser.get(elsewhere.toString()), 'sso.flow_missing');
  });

  it('refuses an answer naming another issuer (RFC 9207 iss)', async () => {
    op.accounts.set('erin', { sub: 'erin', email: h.a.users.viewer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'erin' });
    expect(callback.searchParams.get('iss')).toBe(op.issuer);
    callback.searchParams.set('iss', 'https://evil.example');
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.issuer_mismatch');
  });

  it('refuses an answer without iss from a provider that promises to send it', async () => {
    op.accounts.set('erin', { sub: 'erin', email: h.a.users.viewer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'erin' });
    callback.searchParams.delete('iss');
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.issuer_mismatch');
  });

  it('refuses an identity token whose nonce is not the one of this sign-in', async () => {
    op.accounts.set('frank', { sub: 'frank', email: h.a.users.viewer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, {
      sub: 'frank',
      tamper: (url) => url.searchParams.set('nonce', 'an-attackers-nonce'),
    });
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.nonce_mismatch');
  });

  it('fails the code exchange when the PKCE challenge was swapped, because the provider enforces it', async () => {
    op.accounts.set('gina', { sub: 'gina', email: h.a.users.viewer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, {
      sub: 'gina',
      tamper: (url) => url.searchParams.set('code_challenge', 'B'.repeat(43)),
    });
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.code_rejected');
  });

  it('refuses an unverified email that no identity links yet', async () => {
    op.accounts.set('henry', { sub: 'henry', email: h.a.users.guest.email, emailVerified: false });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'henry' });
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.email_unverified');
    expect(await sql`select 1 from user_identities where subject = 'henry'`).toHaveLength(0);
  });

  it('refuses someone new whose email domain is not allowed', async () => {
    op.accounts.set('ivan', { sub: 'ivan', email: 'ivan@elsewhere.test', emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'ivan' });
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.domain_not_allowed');
    expect(await sql`select 1 from users where email = 'ivan@elsewhere.test'`).toHaveLength(0);
  });

  it('refuses a deactivated account', async () => {
    const { id, email } = h.b.users.guest;
    await sql`update workspace_members set deactivated_at = now() where user_id = ${id} and workspace_id = ${h.b.workspaceId}`;
    op.accounts.set('judy', { sub: 'judy', email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'judy', providerId: providerB });
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.account_deactivated');
  });

  it('refuses a sign-in that comes back after more than 10 minutes', async () => {
    op.accounts.set('kate', { sub: 'kate', email: h.a.users.viewer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'kate' });
    skew = 11 * 60 * 1000;
    try {
      await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.flow_expired');
    } finally {
      skew = 0;
    }
  });

  it('refuses when the person cancels at the provider', async () => {
    op.accounts.set('liam', { sub: 'liam', email: h.a.users.viewer.email, emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'liam', abort: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.provider_error');
  });

  it('refuses a provider whose discovery document names another issuer (OIDC-1 at sign-in too)', async () => {
    const id = 'sso_mismatchmismatch';
    const issuer = op.issuer.replace('127.0.0.1', 'localhost');
    await sql`
      insert into sso_providers (id, workspace_id, kind, name, issuer, client_id, client_secret)
      select ${id}, workspace_id, kind, name, ${issuer}, client_id, client_secret
      from sso_providers where id = ${providerA}`;
    const start = await startFromSignInPage(new Browser(), id);
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toBe('/?sso_error=sso.issuer_mismatch');
    expect(start.headers.getSetCookie()).toEqual([]);
  });

  it('sends an unknown provider back to the sign-in page', async () => {
    const start = await startFromSignInPage(new Browser(), 'sso_aaaaaaaaaaaaaaaa');
    expect(start.headers.get('location')).toBe('/?sso_error=sso.unknown_provider');
    const browser = new Browser();
    await expectRefusal(
      browser,
      () => browser.get(`${quarry}/auth/sso/sso_aaaaaaaaaaaaaaaa/callback?code=x&state=y`),
      'sso.unknown_provider',
    );
  });

  it('ends a session that came along to the callback, and makes a new one', async () => {
    op.accounts.set('alice', { sub: 'alice', email: 'alice@renamed.example', emailVerified: true });
    const { browser } = await signInAs('alice');
    const old = browser.cookie(quarry, SESSION_COOKIE);
    const callback = await reachCallback(browser, { sub: 'alice' });
    const response = await browser.get(callback.toString());
    expect(response.headers.get('location')).toBe('/');
    expect(browser.cookie(quarry, SESSION_COOKIE)).not.toBe(old);
    const stale = await fetch(`${quarry}/trpc/auth.me`, { headers: { cookie: `${SESSION_COOKIE}=${old}` } });
    expect(stale.status).toBe(401);
    expect((await me(browser)).status).toBe(200);
  });

  it("refuses another workspace's provider that asserts a member of A's email: no link, no membership, no session, A untouched (OIDC-5)", async () => {
    const victim = h.a.users.admin;
    const { token: victimToken } = await createSession(h.database.db, {
      userId: victim.id,
      workspaceId: h.a.workspaceId,
    });
    // B's Admin controls providerB and allows the victim's domain.
    const allowed = await trpc(
      'sso.updateSettings',
      { allowedEmailDomains: ['example.test'], defaultRole: 'explorer', ssoRequired: false },
      await adminCookie(h.b),
    );
    expect(allowed.status).toBe(200);
    op.accounts.set('mallory', { sub: 'mallory', email: victim.email.toUpperCase(), emailVerified: true });
    const browser = new Browser();
    const callback = await reachCallback(browser, { sub: 'mallory', providerId: providerB });

    await expectRefusal(browser, () => browser.get(callback.toString()), 'sso.account_elsewhere');

    expect(await sql`select 1 from user_identities where user_id = ${victim.id}`).toHaveLength(0);
    expect(
      await sql`select 1 from workspace_members where user_id = ${victim.id} and workspace_id = ${h.b.workspaceId}`,
    ).toHaveLength(0);
    const still = await fetch(`${quarry}/trpc/auth.me`, {
      headers: { cookie: `${SESSION_COOKIE}=${victimToken}` },
    });
    expect(still.status).toBe(200);
  });

  it('starts no sign-in from a link: a GET to start changes nothing and the session stays (login CSRF)', async () => {
    op.accounts.set('carol', { sub: 'carol', email: h.a.users.manager.email, emailVerified: true });
    const { browser } = await signInAs('carol');
    const session = browser.cookie(quarry, SESSION_COOKIE);
    expect((await me(browser)).status).toBe(200);

    const followed = await browser.get(`${quarry}/auth/sso/${providerA}/start`);

    expect(followed.status).toBe(302);
    expect(followed.headers.get('location')).toBe('/?sso_error=sso.start_not_allowed');
    expect(followed.headers.getSetCookie()).toEqual([]);
    expect(browser.cookie(quarry, FLOW_COOKIE)).toBeUndefined();
    expect(browser.cookie(quarry, SESSION_COOKIE)).toBe(session);
    expect((await me(browser)).status).toBe(200);
  });

  it('starts no sign-in from a form on another site (a cross-origin POST)', async () => {
    const browser = new Browser();
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      {},
    ];
    for (const headers of attempts) {
      const forged = await browser.post(`${quarry}/auth/sso/${providerA}/start`, {}, headers);
      expect(forged.status).toBe(302);
      expect(forged.headers.get('location')).toBe('/?sso_error=sso.start_not_allowed');
      expect(forged.headers.getSetCookie()).toEqual([]);
    }
  });
});
