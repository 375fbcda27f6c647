import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  FIXTURE_PASSWORD,
  SESSION_COOKIE,
  signInOverHttp,
  startAttackApi,
  whoAmI,
} from '../attacks/attack-helpers';

/**
 * Second attack round: single-use invites under parallel acceptance, stale and respelled invites,
 * and membership changes racing workspace switches (AUTH-3, AUTH-7, AUTH-9).
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;
let aAdmin: string;
let bAdmin: string;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startAttackApi(h);
  aAdmin = await signInOverHttp(api.url, { email: h.a.users.admin.email });
  bAdmin = await signInOverHttp(api.url, { email: h.b.users.admin.email });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});
beforeEach(async () => {
  await h.database.sql`delete from sign_in_attempts where key like 'ip:%'`;
});

const codeOf = (a: { status: number; error?: { code: string } }) => a.error?.code ?? String(a.status);
const tokenOf = (link: string | undefined) => /#(.+)$/.exec(link ?? '')?.[1] ?? '';
const cookieFrom = (setCookie: string[]) =>
  setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];

async function invite(adminCookie: string, email: string, role = 'viewer') {
  const created = await call<{ link: string; invite: { id: string; email: string } }>(
    api.url,
    'invites.create',
    { email, role },
    { cookie: adminCookie },
  );
  return created;
}

describe('one invite, many acceptances at once', () => {
  it('6 parallel invites.join (right password) and 2 invites.accept on one invite: one membership, one live session, no server error', async () => {
    const person = h.a.users.editor;
    const created = await invite(bAdmin, person.email);
    expect(created.status, created.text).toBe(200);
    const token = tokenOf(created.data?.link);
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () =>
        call(api.url, 'invites.join', { token, password: FIXTURE_PASSWORD }),
      ),
      ...Array.from({ length: 2 }, () =>
        call(api.url, 'invites.accept', { token, name: 'Racer', password: 'a brand new password' }),
      ),
    ]);
    const codes = answers.map(codeOf).sort();
    const cookies = answers.map((a) => cookieFrom(a.setCookie)).filter((c): c is string => Boolean(c));
    const live: number[] = [];
    for (const c of cookies) live.push((await whoAmI(api.url, c)).status);
    const [members] = await h.database.sql`
      select count(*)::int as n from workspace_members where workspace_id = ${h.b.workspaceId} and user_id = ${person.id}`;
    const accounts = await h.database.sql`select id from users where lower(email) = ${person.email}`;
    expect({
      ok: codes.filter((c) => c === '200').length,
      serverErrors: codes.filter((c) => c.startsWith('server') || c === '500').length,
      liveSessions: live.filter((s) => s === 200).length,
      memberships: members?.n,
      accounts: accounts.length,
    }).toEqual({ ok: 1, serverErrors: 0, liveSessions: 1, memberships: 1, accounts: 1 });
  });

  it('5 parallel invites.accept for a new email: one account, one membership, no server error', async () => {
    const email = 'race-new@example.test';
    const created = await invite(aAdmin, email);
    const token = tokenOf(created.data?.link);
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call(api.url, 'invites.accept', { token, name: `Racer ${i}`, password: `new password ${i}` }),
      ),
    );
    const codes = answers.map(codeOf);
    const accounts = await h.database.sql`select id from users where lower(email) = ${email}`;
    expect({
      ok: codes.filter((c) => c === '200').length,
      serverErrors: codes.filter((c) => c.startsWith('server') || c === '500').length,
      accounts: accounts.length,
    }).toEqual({ ok: 1, serverErrors: 0, accounts: 1 });
  });
});

describe('stale, respelled and reused invites', () => {
  it('a member removed from A cannot re-enter A with the invite they joined by, nor get a new one while deactivated', async () => {
    const person = h.b.users.explorer;
    const created = await invite(aAdmin, person.email);
    const token = tokenOf(created.data?.link);
    const joined = await call(api.url, 'invites.join', { token, password: FIXTURE_PASSWORD });
    expect(joined.status, joined.text).toBe(200);
    // Deactivated in A: no new invite, and the used one stays used.
    const deactivated = await call(api.url, 'members.deactivate', { userId: person.id }, { cookie: aAdmin });
    expect(deactivated.status, deactivated.text).toBe(200);
    const reinvite = await invite(aAdmin, person.email.toUpperCase());
    const reuseWhileDeactivated = await call(api.url, 'invites.join', { token, password: FIXTURE_PASSWORD });
    // Removed from A: the old link still does nothing.
    const removed = await call(api.url, 'members.remove', { userId: person.id }, { cookie: aAdmin });
    expect(removed.status, removed.text).toBe(200);
    const reuseAfterRemoval = await call(api.url, 'invites.join', { token, password: FIXTURE_PASSWORD });
    const inA = await h.database.sql`
      select 1 from workspace_members where workspace_id = ${h.a.workspaceId} and user_id = ${person.id}`;
    expect({
      reinvite: codeOf(reinvite),
      reuseWhileDeactivated: codeOf(reuseWhileDeactivated),
      reuseAfterRemoval: codeOf(reuseAfterRemoval),
      inA: inA.length,
    }).toEqual({
      reinvite: 'invites.already_member',
      reuseWhileDeactivated: 'invites.invalid',
      reuseAfterRemoval: 'invites.invalid',
      inA: 0,
    });
  });

  it('an invite to an email respelled (case, spaces) reaches the one account; a revoked or replaced link joins nobody', async () => {
    const person = h.b.users.viewer;
    const first = await invite(aAdmin, `  ${person.email.toUpperCase()} `);
    expect(first.status, first.text).toBe(200);
    expect(first.data?.invite.email).toBe(person.email);
    // A second invite replaces the first; the first link must be dead.
    const second = await invite(aAdmin, person.email);
    const viaFirst = await call(api.url, 'invites.join', {
      token: tokenOf(first.data?.link),
      password: FIXTURE_PASSWORD,
    });
    const revoked = await call(
      api.url,
      'invites.revoke',
      { inviteId: second.data?.invite.id },
      { cookie: aAdmin },
    );
    expect(revoked.status, revoked.text).toBe(200);
    const viaSecond = await call(api.url, 'invites.join', {
      token: tokenOf(second.data?.link),
      password: FIXTURE_PASSWORD,
    });
    // A forged secret on a live invite's id.
    const third = await invite(aAdmin, person.email);
    const [id] = tokenOf(third.data?.link).split('.');
    const forged = await call(api.url, 'invites.join', {
      token: `${id}.${'a'.repeat(52)}`,
      password: FIXTURE_PASSWORD,
    });
    expect({ viaFirst: codeOf(viaFirst), viaSecond: codeOf(viaSecond), forged: codeOf(forged) }).toEqual({
      viaFirst: 'invites.invalid',
      viaSecond: 'invites.invalid',
      forged: 'invites.invalid',
    });
  });
});

describe('membership changes racing sessions (AUTH-9)', () => {
  it('deactivation in B racing 8 parallel switches into B: afterwards no session acts in B', async () => {
    const person = h.a.users.manager;
    await h.database.sql`
      insert into workspace_members (workspace_id, user_id, role) values (${h.b.workspaceId}, ${person.id}, 'editor')`;
    const inA = await signInOverHttp(api.url, { email: person.email, workspaceId: h.a.workspaceId });
    // Every switch ends the session it came with; give each its own A session.
    const starts: string[] = [];
    for (let i = 0; i < 8; i++)
      starts.push(await signInOverHttp(api.url, { email: person.email, workspaceId: h.a.workspaceId }));
    const [switches, deactivated] = await Promise.all([
      Promise.all(
        starts.map((cookie) =>
          call(api.url, 'auth.switchWorkspace', { workspaceId: h.b.workspaceId }, { cookie }),
        ),
      ),
      call(api.url, 'members.deactivate', { userId: person.id }, { cookie: bAdmin }),
    ]);
    expect(deactivated.status, deactivated.text).toBe(200);
    const inBNow: number[] = [];
    for (const s of switches) {
      const c = cookieFrom(s.setCookie);
      if (c) inBNow.push((await whoAmI(api.url, c)).status);
    }
    expect({
      actingInB: inBNow.filter((s) => s === 200).length,
      aStill: (await whoAmI(api.url, inA)).status,
    }).toEqual({
      actingInB: 0,
      aStill: 200,
    });
  });

  it("turning on 'require single sign-on' ends the password sessions of non-Admins there", async () => {
    const person = h.b.users.guest;
    const guest = await signInOverHttp(api.url, { email: person.email });
    await h.database.sql`
      insert into sso_providers (id, workspace_id, kind, name, issuer, client_id, client_secret)
      values ('sso_bbbbbbbbbbbbbbbb', ${h.b.workspaceId}, 'oidc', 'B IdP', 'https://idp.b.example', 'b', 'x')`;
    const required = await call(
      api.url,
      'sso.updateSettings',
      { allowedEmailDomains: [], defaultRole: 'viewer', ssoRequired: true },
      { cookie: bAdmin },
    );
    expect(required.status, required.text).toBe(200);
    try {
      const signInNow = await call(api.url, 'auth.signIn', {
        email: person.email,
        password: FIXTURE_PASSWORD,
      });
      expect(signInNow.error?.code).toBe('auth.invalid_credentials');
      expect(
        (await whoAmI(api.url, guest)).status,
        'a password session made before SSO was required keeps acting for up to its absolute lifetime',
      ).toBe(401);
    } finally {
      await h.database.sql`update workspaces set sso_required = false where id = ${h.b.workspaceId}`;
    }
  });
});
