import { type ApiHarness, createApiHarness, startTestOp, type TestOp } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addProviderOverHttp,
  Browser,
  call,
  reachCallback,
  SESSION_COOKIE,
  signInOverHttp,
  ssoSignIn,
  startAttackApi,
  whoAmI,
} from './attack-helpers';

/**
 * OIDC-5 / AUTH-9 through the real HTTP API: B's Admin runs an OpenID provider of their own
 * (`evil`) and tries to become a member of workspace A. A uses its own provider (`opA`).
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;
let opA: TestOp;
let evil: TestOp;
let providerA: string;
let providerB: string;
let aAdmin: string;
let bAdmin: string;

beforeAll(async () => {
  [h, opA, evil] = await Promise.all([createApiHarness({ orders: 10 }), startTestOp(), startTestOp()]);
  api = await startAttackApi(h);
  aAdmin = await signInOverHttp(api.quarry, { email: h.a.users.admin.email });
  bAdmin = await signInOverHttp(api.quarry, { email: h.b.users.admin.email });
  providerA = await addProviderOverHttp(api.quarry, aAdmin, opA, 'quarry-a');
  providerB = await addProviderOverHttp(api.quarry, bAdmin, evil, 'evil-b');
  // B's Admin allows the victims' domain for their workspace.
  const allowed = await call(
    api.quarry,
    'sso.updateSettings',
    { allowedEmailDomains: ['example.test'], defaultRole: 'explorer', ssoRequired: false },
    { cookie: bAdmin },
  );
  expect(allowed.status, allowed.text).toBe(200);
});

afterAll(async () => {
  await api?.close();
  await opA?.close();
  await evil?.close();
  await h?.close();
});

const sql = () => h.database.sql;

describe("B's Admin and their own identity provider against workspace A (OIDC-5, AUTH-9)", () => {
  it("invites an A-only Admin's email into B, asserts it from B's provider, and must get no session as that account (and so never reach A)", async () => {
    const victim = h.a.users.admin;
    // Step 1: an ordinary invite in B, addressed to the victim's email (no acceptance needed).
    const invited = await call(
      api.quarry,
      'invites.create',
      { email: victim.email, role: 'viewer' },
      { cookie: bAdmin },
    );
    expect(invited.status, invited.text).toBe(200);

    // Step 2: B's Admin's own provider says "this is victim's email, verified".
    evil.accounts.set('mallory-1', { sub: 'mallory-1', email: victim.email, emailVerified: true });
    const { location, session } = await ssoSignIn(api.quarry, { providerId: providerB, sub: 'mallory-1' });

    // Whatever the answer, the attacker's browser must not act as the victim's account anywhere.
    const asWho = session ? await whoAmI(api.quarry, `${SESSION_COOKIE}=${session}`) : { status: 401 };
    const takeover = session
      ? await call<{ workspace: { id: string } }>(
          api.quarry,
          'auth.switchWorkspace',
          { workspaceId: h.a.workspaceId },
          { cookie: `${SESSION_COOKIE}=${session}` },
        )
      : undefined;
    const linked = await sql()`
      select user_id from user_identities where issuer = ${evil.issuer} and subject = 'mallory-1'`;
    const joinedB = await sql()`
      select 1 from workspace_members where user_id = ${victim.id} and workspace_id = ${h.b.workspaceId}`;

    expect(
      {
        location,
        sessionUser: asWho.userId ?? null,
        switchedIntoA: takeover?.status === 200 ? takeover.data?.workspace.id : null,
        identityLinkedToVictim: linked.some((r) => r.user_id === victim.id),
        victimAddedToB: joinedB.length > 0,
      },
      "an invite written by the attacker is not proof that the attacker's provider owns the email",
    ).toEqual({
      location: expect.stringContaining('sso_error='),
      sessionUser: null,
      switchedIntoA: null,
      identityLinkedToVictim: false,
      victimAddedToB: false,
    });
  });

  it("asserts an A member's email in other case and with whitespace: no link, no join, no look-alike account", async () => {
    const victim = h.a.users.editor;
    for (const [sub, email] of [
      ['case-1', victim.email.toUpperCase()],
      ['space-1', ` ${victim.email} `],
      ['space-2', `${victim.email}\t`],
    ] as const) {
      evil.accounts.set(sub, { sub, email, emailVerified: true });
      const { location, session } = await ssoSignIn(api.quarry, { providerId: providerB, sub });
      const who = session ? await whoAmI(api.quarry, `${SESSION_COOKIE}=${session}`) : { status: 401 };
      expect({ sub, who: who.userId === victim.id }).toEqual({ sub, who: false });
      // A brand-new account whose email differs from an existing one only by whitespace is a
      // look-alike of the victim in B's member list and in every share dialog.
      const lookalikes = await sql()`
        select email from users where lower(btrim(email, E' \\t\\n\\r')) = lower(${victim.email}) and id <> ${victim.id}`;
      expect({ sub, location, lookalikes: lookalikes.map((r) => r.email) }).toEqual({
        sub,
        location: expect.stringContaining('sso_error='),
        lookalikes: [],
      });
    }
  });

  it('asserts the email of a pending invite from A (not B): nothing joins A, nothing joins B', async () => {
    const invited = await call(
      api.quarry,
      'invites.create',
      { email: 'pending-a@example.test', role: 'editor' },
      { cookie: aAdmin },
    );
    expect(invited.status, invited.text).toBe(200);
    evil.accounts.set('pending-1', {
      sub: 'pending-1',
      email: 'pending-a@example.test',
      emailVerified: true,
    });
    await ssoSignIn(api.quarry, { providerId: providerB, sub: 'pending-1' });
    const inA = await sql()`
      select 1 from workspace_members m join users u on u.id = m.user_id
      where lower(u.email) = 'pending-a@example.test' and m.workspace_id = ${h.a.workspaceId}`;
    expect(inA).toHaveLength(0);
    const [invite] = await sql()`
      select accepted_at from invites where lower(email) = 'pending-a@example.test' and workspace_id = ${h.a.workspaceId}`;
    expect(invite?.accepted_at).toBeNull();
  });

  it("re-uses a (iss, sub) link made in A from B's provider configured with the SAME issuer (no invite): refused", async () => {
    const victim = h.a.users.manager;
    // The victim links their identity at A's provider.
    opA.accounts.set('shared-sub', { sub: 'shared-sub', email: victim.email, emailVerified: true });
    const first = await ssoSignIn(api.quarry, { providerId: providerA, sub: 'shared-sub' });
    expect(first.location).toBe('/');
    // B's Admin adds a provider with A's issuer URL and a client of their own at it.
    const sameIssuer = await addProviderOverHttp(api.quarry, bAdmin, opA, 'b-at-a-issuer');
    const second = await ssoSignIn(api.quarry, { providerId: sameIssuer, sub: 'shared-sub' });
    const who = second.session
      ? await whoAmI(api.quarry, `${SESSION_COOKIE}=${second.session}`)
      : { status: 401 };
    expect({ location: second.location, user: who.userId ?? null }).toEqual({
      location: '/?sso_error=sso.account_elsewhere',
      user: null,
    });
  });

  it("pre-provisions a future member of A from B's provider, then rides A's invite: the attacker must never act in A", async () => {
    const email = 'future-hire@example.test';
    // Before A ever hears of this person, B's provider provisions an account for the email.
    evil.accounts.set('squatter', { sub: 'squatter', email, emailVerified: true });
    const squat = await ssoSignIn(api.quarry, { providerId: providerB, sub: 'squatter' });
    expect(squat.location).toBe('/');
    // A invites the real person; the password route is closed to them ("sign in first"), so they
    // use A's single sign-on, which finds the squatted account by email and joins it to A.
    const invited = await call<{ link: string }>(
      api.quarry,
      'invites.create',
      { email, role: 'editor' },
      { cookie: aAdmin },
    );
    expect(invited.status, invited.text).toBe(200);
    const token = /#(.+)$/.exec(invited.data?.link ?? '')?.[1] ?? '';
    const accept = await call(api.quarry, 'invites.accept', {
      token,
      name: 'Real Person',
      password: 'the real persons password',
    });
    opA.accounts.set('real-person', { sub: 'real-person', email, emailVerified: true });
    const real = await ssoSignIn(api.quarry, { providerId: providerA, sub: 'real-person' });

    // The attacker signs in through their own provider again, and switches to A.
    const again = await ssoSignIn(api.quarry, { providerId: providerB, sub: 'squatter' });
    const switched = again.session
      ? await call<{ workspace: { id: string } }>(
          api.quarry,
          'auth.switchWorkspace',
          { workspaceId: h.a.workspaceId },
          { cookie: `${SESSION_COOKIE}=${again.session}` },
        )
      : undefined;
    // The squatted account is B's: neither A's invite nor A's provider joins it to A (OIDC-5),
    // and a session made by B's provider opens B only.
    expect({
      inviteAccepted: accept.status === 200 ? 'ok' : accept.error?.code,
      realPersonSignedIn: real.location,
      attackerSwitch: switched?.status === 200 ? 'in A' : switched?.error?.code,
    }).toEqual({
      inviteAccepted: 'invites.sign_in_first',
      realPersonSignedIn: '/?sso_error=sso.account_elsewhere',
      attackerSwitch: 'auth.password_required',
    });
    const memberships = await sql()`
      select 1 from workspace_members m join users u on u.id = m.user_id
      where lower(u.email) = ${email} and m.workspace_id = ${h.a.workspaceId}`;
    expect(memberships).toHaveLength(0);
  });

  it('answers hostile claims from a provider (NUL bytes in name and email) with a sign-in error, never a 500, and logs no query parameters', async () => {
    // A NUL in the name is dropped from the display name; a NUL in the email is refused.
    for (const [sub, email, name, location] of [
      ['nul-name', 'nul-name@example.test', 'Mal\u0000lory', '/'],
      ['nul-mail', 'nul\u0000mail@example.test', 'Mallory', '/?sso_error=sso.invalid_claims'],
    ] as const) {
      evil.accounts.set(sub, { sub, email, emailVerified: true, name });
      const browser = new Browser();
      const callback = await reachCallback(browser, api.quarry, { providerId: providerB, sub });
      const response = await browser.get(callback.toString());
      expect({ sub, status: response.status, location: response.headers.get('location') }).toEqual({
        sub,
        status: 302,
        location,
      });
    }
    expect(await sql()`select name from users where email = 'nul-name@example.test'`).toEqual([
      { name: 'Mallory' },
    ]);
    const log = api.logLines.join('\n');
    expect(log).not.toContain('Failed query');
  });

  it('a GET to start changes nothing; a cross-origin POST to start is refused', async () => {
    const browser = new Browser();
    const viaLink = await browser.get(`${api.quarry}/auth/sso/${providerA}/start`);
    expect(viaLink.headers.getSetCookie()).toEqual([]);
    const forgeries: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      {},
    ];
    for (const headers of forgeries) {
      const forged = await browser.post(`${api.quarry}/auth/sso/${providerA}/start`, {}, headers);
      expect(forged.status).toBe(302);
      expect(forged.headers.get('location')).toBe('/?sso_error=sso.start_not_allowed');
    }
    // `origin: null` (a sandboxed iframe's form) and an origin that only starts like ours.
    for (const origin of ['null', `${api.quarry}.evil.example`, api.quarry.replace('http:', 'https:')]) {
      const forged = await browser.post(`${api.quarry}/auth/sso/${providerA}/start`, {}, { origin });
      expect({ origin, location: forged.headers.get('location') }).toEqual({
        origin,
        location: '/?sso_error=sso.start_not_allowed',
      });
    }
  });
});
