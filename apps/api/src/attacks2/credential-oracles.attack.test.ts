import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, FIXTURE_PASSWORD, parse, signInOverHttp, startAttackApi } from '../attacks/attack-helpers';

/**
 * Second attack round, AUTH-6 / AUTH-7: a right password of someone no workspace takes a password
 * from must never be confirmed, by any procedure or any record an attacker can read; and one HTTP
 * request carries at most one credential check however its path is spelled.
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
// Every request comes from 127.0.0.1: each test starts with a fresh per-IP counter.
beforeEach(async () => {
  await h.database.sql`delete from sign_in_attempts where key like 'ip:%'`;
});

const codeOf = (a: { status: number; error?: { code: string } }) => a.error?.code ?? String(a.status);
const tokenOf = (link: string | undefined) => /#(.+)$/.exec(link ?? '')?.[1] ?? '';

async function invite(adminCookie: string, email: string): Promise<string> {
  const created = await call<{ link: string }>(
    api.url,
    'invites.create',
    { email, role: 'viewer' },
    { cookie: adminCookie },
  );
  expect(created.status, created.text).toBe(200);
  return tokenOf(created.data?.link);
}

async function withSsoRequired<T>(workspaceId: string, run: () => Promise<T>): Promise<T> {
  await h.database.sql`update workspaces set sso_required = true where id = ${workspaceId}`;
  try {
    return await run();
  } finally {
    await h.database.sql`update workspaces set sso_required = false where id = ${workspaceId}`;
  }
}

describe('a right password that sign-in hides (AUTH-6)', () => {
  it('invites.join from B confirms the right password of a member whose only workspace (A) requires SSO, which auth.signIn hides, and pulls them into B', async () => {
    const victim = h.a.users.explorer;
    await withSsoRequired(h.a.workspaceId, async () => {
      // B's Admin invites the victim's email: any workspace's Admin can write such an invite.
      const token = await invite(bAdmin, victim.email);
      const signInRight = await call(api.url, 'auth.signIn', {
        email: victim.email,
        password: FIXTURE_PASSWORD,
      });
      const joinWrong = await call(api.url, 'invites.join', { token, password: 'not the password' });
      const joinRight = await call(api.url, 'invites.join', { token, password: FIXTURE_PASSWORD });
      const inB = await h.database.sql`
        select 1 from workspace_members where workspace_id = ${h.b.workspaceId} and user_id = ${victim.id}`;
      expect(
        {
          signInRight: codeOf(signInRight),
          joinWrong: codeOf(joinWrong),
          joinRight: codeOf(joinRight),
          victimPulledIntoB: inB.length > 0,
        },
        'the password is never confirmed for someone no workspace takes a password from; invites.join must answer as sign-in does',
      ).toEqual({
        signInRight: 'auth.invalid_credentials',
        joinWrong: 'auth.invalid_credentials',
        joinRight: 'auth.invalid_credentials',
        victimPulledIntoB: false,
      });
    });
  });

  it("an SSO-only member's right password leaves the same trace in their workspace's audit log as a wrong one", async () => {
    const victim = h.a.users.viewer;
    const trace = async () => {
      const list = await call<{ entries: Array<{ outcome: string; details: unknown }> }>(
        api.url,
        'audit.list',
        { action: 'auth.sign_in', actorId: victim.id },
        { cookie: aAdmin, query: true },
      );
      expect(list.status, list.text).toBe(200);
      return list.data?.entries ?? [];
    };
    await withSsoRequired(h.a.workspaceId, async () => {
      const before = (await trace()).length;
      await call(api.url, 'auth.signIn', { email: victim.email, password: 'a wrong guess' });
      const afterWrong = await trace();
      await call(api.url, 'auth.signIn', { email: victim.email, password: FIXTURE_PASSWORD });
      const afterRight = await trace();
      const wrongRows = afterWrong.slice(0, afterWrong.length - before);
      const rightRows = afterRight.slice(0, afterRight.length - afterWrong.length);
      expect(
        {
          wrong: wrongRows.map((e) => ({ outcome: e.outcome, details: e.details })),
          right: rightRows.map((e) => ({ outcome: e.outcome, details: e.details })),
        },
        "A's Admin reads the audit log: a row that appears only for the right password is a password oracle",
      ).toEqual({
        wrong: wrongRows.map((e) => ({ outcome: e.outcome, details: e.details })),
        right: wrongRows.map((e) => ({ outcome: e.outcome, details: e.details })),
      });
    });
  });
});

describe('one credential check per request (AUTH-7)', () => {
  it('a request carrying invites.join with auth.signIn (or any two credential checks, however the path is spelled) is refused before either runs', async () => {
    const email = h.b.users.manager.email;
    const token = await invite(aAdmin, email);
    const paths = [
      'invites.join,auth.signIn',
      'auth.signIn,invites.join/',
      'auth.me,invites.join,auth.signIn',
      'invites.join,invites.join',
      'auth.signIn,auth.signIn',
      'sessions.changePassword,invites.accept',
      'auth.signIn%2Cinvites.join',
      'auth.signIn,%69nvites.join',
    ];
    const answers: Record<string, string> = {};
    for (const path of paths) {
      const body: Record<string, unknown> = {};
      path.split(/,|%2C/).forEach((p, i) => {
        body[i] = {
          json: p.includes('signIn')
            ? { email, password: FIXTURE_PASSWORD }
            : p.includes('join') || p.includes('nvites')
              ? { token, password: FIXTURE_PASSWORD }
              : undefined,
        };
      });
      const response = await fetch(`${api.url}/trpc/${path}?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify(body),
      });
      const answer = await parse(response);
      answers[path] =
        answer.status === 200 || answer.setCookie.length > 0
          ? `ran: ${answer.text.slice(0, 100)}`
          : 'refused';
    }
    expect(answers).toEqual(Object.fromEntries(paths.map((p) => [p, 'refused'])));
    const [joined] = await h.database.sql`
      select count(*)::int as n from workspace_members where workspace_id = ${h.a.workspaceId} and user_id = ${h.b.users.manager.id}`;
    expect(joined?.n).toBe(0);
  });

  it('sign-in and invites.join draw on one per-account budget: of 6 wrong sign-ins and 6 wrong joins, the last two are refused', async () => {
    const victim = h.b.users.guest;
    const token = await invite(aAdmin, victim.email);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++)
      answers.push(
        codeOf(await call(api.url, 'auth.signIn', { email: victim.email, password: `guess ${i}` })),
      );
    for (let i = 0; i < 6; i++)
      answers.push(codeOf(await call(api.url, 'invites.join', { token, password: `join guess ${i}` })));
    expect(answers).toEqual([
      ...Array(10).fill('auth.invalid_credentials'),
      'auth.rate_limited',
      'auth.rate_limited',
    ]);
    // And the right password inside the limit window must not get through invites.join either.
    const right = await call(api.url, 'invites.join', { token, password: FIXTURE_PASSWORD });
    expect(codeOf(right)).toBe('auth.rate_limited');
  });
});
