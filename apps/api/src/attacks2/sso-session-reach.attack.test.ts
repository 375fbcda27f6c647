import { type ApiHarness, createApiHarness, startTestOp, type TestOp } from '@quarry/api/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addProviderOverHttp,
  call,
  FIXTURE_PASSWORD,
  SESSION_COOKIE,
  signInOverHttp,
  ssoSignIn,
  startAttackApi,
  whoAmI,
} from '../attacks/attack-helpers';

/**
 * Second attack round, OIDC-5 / AUTH-9: B's Admin runs their own OpenID provider and can make it
 * assert the email of anyone who is a member of B, including people who are also members of A.
 * The session that gives them must act in B only, whatever they do with it.
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;
let evil: TestOp;
let providerB: string;
let bAdmin: string;

beforeAll(async () => {
  [h, evil] = await Promise.all([createApiHarness({ orders: 10 }), startTestOp()]);
  api = await startAttackApi(h);
  bAdmin = await signInOverHttp(api.quarry, { email: h.b.users.admin.email });
  providerB = await addProviderOverHttp(api.quarry, bAdmin, evil, 'evil-b');
  // People who belong to A and to B.
  for (const person of [h.a.users.manager, h.a.users.editor, h.a.users.explorer]) {
    await h.database.sql`
      insert into workspace_members (workspace_id, user_id, role) values (${h.b.workspaceId}, ${person.id}, 'viewer')`;
  }
});
afterAll(async () => {
  await api?.close();
  await evil?.close();
  await h?.close();
});
beforeEach(async () => {
  await h.database.sql`delete from sign_in_attempts where key like 'ip:%'`;
});

const codeOf = (a: { status: number; error?: { code: string } }) => a.error?.code ?? String(a.status);
const cookieOf = (session: string | undefined) => `${SESSION_COOKIE}=${session ?? ''}`;

/** B's Admin makes their provider assert `email` and signs in through it. */
async function bSsoSessionAs(email: string, sub: string): Promise<string> {
  evil.accounts.set(sub, { sub, email, emailVerified: true });
  const signedIn = await ssoSignIn(api.quarry, { providerId: providerB, sub });
  expect(signedIn.location).toBe('/');
  const cookie = cookieOf(signedIn.session);
  expect(await whoAmI(api.quarry, cookie)).toMatchObject({ status: 200, workspaceId: h.b.workspaceId });
  return cookie;
}

describe("a session made by B's provider for someone in A and B (OIDC-5, AUTH-9)", () => {
  it('mints a token that acts in B only, and neither the session nor the token switches to A', async () => {
    const person = h.a.users.manager;
    const sso = await bSsoSessionAs(person.email, 'reach-token');
    const minted = await call<{ token: string }>(
      api.quarry,
      'tokens.create',
      { name: 'from sso', expiresInDays: 30 },
      { cookie: sso },
    );
    expect(minted.status, minted.text).toBe(200);
    const token = minted.data?.token ?? '';
    const me = await call<{ workspace: { id: string } }>(api.quarry, 'auth.me', undefined, {
      bearer: token,
      query: true,
    });
    const aProject = await call(
      api.quarry,
      'projects.get',
      { projectId: h.a.projectId },
      { bearer: token, query: true },
    );
    const switchByToken = await call(
      api.quarry,
      'auth.switchWorkspace',
      { workspaceId: h.a.workspaceId },
      { bearer: token },
    );
    const switchBySession = await call(
      api.quarry,
      'auth.switchWorkspace',
      { workspaceId: h.a.workspaceId },
      { cookie: sso },
    );
    // A token and a cookie together: the bearer wins, and it is still B's.
    const both = await call(
      api.quarry,
      'auth.switchWorkspace',
      { workspaceId: h.a.workspaceId },
      {
        bearer: token,
        cookie: sso,
      },
    );
    expect({
      tokenWorkspace: me.data?.workspace.id,
      aProject: aProject.status,
      switchByToken: switchByToken.error?.code,
      switchBySession: switchBySession.error?.code,
      both: both.status === 200 ? 'switched' : both.error?.code,
    }).toEqual({
      tokenWorkspace: h.b.workspaceId,
      aProject: 404,
      switchByToken: 'access.session_required',
      switchBySession: 'auth.password_required',
      both: 'access.session_required',
    });
  });

  it("ends none of A's sessions or tokens: signOutEverywhere, sessions.revoke by id, parallel switches", async () => {
    const person = h.a.users.editor;
    const inA = await signInOverHttp(api.quarry, { email: person.email, workspaceId: h.a.workspaceId });
    const aSessionId = (inA.split('=')[1] ?? '').split('.')[0] ?? '';
    const sso = await bSsoSessionAs(person.email, 'reach-signout');
    const revoke = await call(api.quarry, 'sessions.revoke', { sessionId: aSessionId }, { cookie: sso });
    const switches = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(api.quarry, 'auth.switchWorkspace', { workspaceId: h.a.workspaceId }, { cookie: sso }),
      ),
    );
    const listed = await call<Array<{ id: string }>>(api.quarry, 'sessions.list', undefined, {
      cookie: sso,
      query: true,
    });
    const out = await call<{ ended: number }>(api.quarry, 'sessions.signOutEverywhere', undefined, {
      cookie: sso,
    });
    expect({
      revoke: revoke.status,
      switched: switches.filter((s) => s.status === 200).length,
      listedA: (listed.data ?? []).some((s) => s.id === aSessionId),
      signOut: out.status,
      aStillSignedIn: (await whoAmI(api.quarry, inA)).status,
    }).toEqual({ revoke: 404, switched: 0, listedA: false, signOut: 200, aStillSignedIn: 200 });
  });

  it("names none of the person's other workspaces (auth.workspaces): B's provider vouches for B only", async () => {
    const person = h.a.users.explorer;
    const sso = await bSsoSessionAs(person.email, 'reach-list');
    const listed = await call<Array<{ id: string; name: string; role: string }>>(
      api.quarry,
      'auth.workspaces',
      undefined,
      { cookie: sso, query: true },
    );
    expect(listed.status, listed.text).toBe(200);
    expect(
      (listed.data ?? []).map((w) => w.id),
      "B's Admin learns which other workspaces a B member belongs to, their names and the person's role there",
    ).toEqual([h.b.workspaceId]);
  });

  it("cannot add guesses at the password beyond sign-in's per-account limit through changePassword, then switch into A", async () => {
    const person = h.a.users.editor;
    // The per-account sign-in budget is spent (10 wrong guesses by B's Admin, or anyone).
    for (let i = 0; i < 10; i++) {
      const wrong = await call(api.quarry, 'auth.signIn', { email: person.email, password: `guess ${i}` });
      expect(wrong.error?.code).toBe('auth.invalid_credentials');
    }
    const limited = await call(api.quarry, 'auth.signIn', {
      email: person.email,
      password: FIXTURE_PASSWORD,
    });
    expect(limited.error?.code).toBe('auth.rate_limited');
    // From a session that B's provider made, changePassword is refused outright (the password is
    // the account's, and that session vouches for B only); from a password session it would be
    // charged to sign-in's counters.
    // (The same subject as in the test above: B's provider linked it to this person then.)
    const sso = await bSsoSessionAs(person.email, 'reach-signout');
    const changed = await call(
      api.quarry,
      'sessions.changePassword',
      { currentPassword: FIXTURE_PASSWORD, newPassword: 'attacker chose this one' },
      { cookie: sso },
    );
    const cookie = changed.setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];
    const intoA = cookie
      ? await call(api.quarry, 'auth.switchWorkspace', { workspaceId: h.a.workspaceId }, { cookie })
      : undefined;
    expect(
      {
        changePassword: changed.status === 200 ? 'changed' : changed.error?.code,
        switchedIntoA: intoA?.status === 200,
      },
      'a B-SSO session must not become a password session that opens A',
    ).toEqual({ changePassword: 'auth.password_required', switchedIntoA: false });
  });

  it("claims an account with a password that its only workspace (A) removed: the owner's next password sign-in lands in B's hands", async () => {
    const person = h.a.users.guest;
    const aAdmin = await signInOverHttp(api.quarry, {
      email: h.a.users.admin.email,
      workspaceId: h.a.workspaceId,
    });
    const removed = await call(api.quarry, 'members.remove', { userId: person.id }, { cookie: aAdmin });
    expect(removed.status, removed.text).toBe(200);
    const domains = await call(
      api.quarry,
      'sso.updateSettings',
      { allowedEmailDomains: ['example.test'], defaultRole: 'viewer', ssoRequired: false },
      { cookie: bAdmin },
    );
    expect(domains.status, domains.text).toBe(200);
    evil.accounts.set('orphan', { sub: 'orphan', email: person.email, emailVerified: true });
    const claimed = await ssoSignIn(api.quarry, { providerId: providerB, sub: 'orphan' });
    // The owner, who never joined B, signs in with their own password.
    const owner = await call<{ workspace: { id: string } }>(api.quarry, 'auth.signIn', {
      email: person.email,
      password: FIXTURE_PASSWORD,
    });
    expect(
      {
        claimed: claimed.location,
        ownerLandsIn: owner.data?.workspace.id === h.b.workspaceId ? 'B' : codeOf(owner),
      },
      "a provider's claim never adopts an account that has a password of its own and was never a member here",
    ).toEqual({ claimed: expect.stringContaining('sso_error='), ownerLandsIn: 'auth.invalid_credentials' });
  });
});
