import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, FIXTURE_PASSWORD, signInOverHttp, startAttackApi } from './attack-helpers';

/**
 * AUTH-6 / AUTH-7 through the real HTTP API: sign-in guesses that should be counted, batched,
 * bursted, respelled or spread over workspace choices and forwarded addresses.
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startAttackApi(h);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});
// Every test here comes from 127.0.0.1: start each with a fresh per-IP counter so one test's
// failures do not decide the next one's answers. Per-account counters are left alone.
beforeEach(async () => {
  await h.database.sql`delete from sign_in_attempts where key like 'ip:%'`;
});

const signIn = (input: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call(api.url, 'auth.signIn', input, { headers });

const codeOf = (a: { status: number; error?: { code: string } }) => a.error?.code ?? String(a.status);

describe('sign-in limits (AUTH-6, AUTH-7)', () => {
  it('never confirms a right password of a member of a workspace that requires SSO: not by the answer, not by the counter starting afresh', async () => {
    const victim = h.a.users.explorer;
    await h.database.sql`update workspaces set sso_required = true where id = ${h.a.workspaceId}`;
    try {
      const answers: string[] = [];
      for (let i = 0; i < 9; i++)
        answers.push(codeOf(await signIn({ email: victim.email, password: `wrong guess ${i}` })));
      // The attacker's 10th guess is right; the workspace requires SSO, so it must answer like a wrong one…
      answers.push(codeOf(await signIn({ email: victim.email, password: FIXTURE_PASSWORD })));
      // …and must not reset the account's counter either, or the next guesses tell them.
      for (let i = 0; i < 3; i++)
        answers.push(codeOf(await signIn({ email: victim.email, password: `after ${i}` })));
      expect(answers.slice(0, 10)).toEqual(Array(10).fill('auth.invalid_credentials'));
      expect(answers.slice(10), 'the 11th to 13th guesses are over the per-account limit of 10').toEqual(
        Array(3).fill('auth.rate_limited'),
      );
    } finally {
      await h.database.sql`update workspaces set sso_required = false where id = ${h.a.workspaceId}`;
    }
  });

  it('never confirms a right password of an SSO-required member through a workspaceId they are not in', async () => {
    const victim = h.a.users.viewer;
    await h.database.sql`update workspaces set sso_required = true where id = ${h.a.workspaceId}`;
    try {
      const wrong = await signIn({
        email: victim.email,
        password: 'a wrong one',
        workspaceId: h.b.workspaceId,
      });
      const right = await signIn({
        email: victim.email,
        password: FIXTURE_PASSWORD,
        workspaceId: h.b.workspaceId,
      });
      expect(codeOf(wrong)).toBe('auth.invalid_credentials');
      expect({ code: codeOf(right), text: right.text.includes(h.a.workspaceId) }).toEqual({
        code: 'auth.invalid_credentials',
        text: false,
      });
    } finally {
      await h.database.sql`update workspaces set sso_required = false where id = ${h.a.workspaceId}`;
    }
  });

  it('40 parallel guesses after nothing: at most 10 are evaluated', async () => {
    const email = h.b.users.editor.email;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signIn({ email, password: `parallel guess ${i}` })),
    );
    const evaluated = answers.filter((a) => codeOf(a) === 'auth.invalid_credentials').length;
    expect(evaluated).toBeLessThanOrEqual(10);
    expect(answers.filter((a) => codeOf(a) === 'auth.rate_limited').length).toBe(40 - evaluated);
  });

  it('10 wrong guesses, then 30 parallel ones with the right password among them: none signs in', async () => {
    const email = h.b.users.manager.email;
    for (let i = 0; i < 10; i++) await signIn({ email, password: `seq ${i}` });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        signIn({ email, password: i === 17 ? FIXTURE_PASSWORD : `burst ${i}` }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(0);
    expect(new Set(answers.map(codeOf))).toEqual(new Set(['auth.rate_limited']));
  });

  it('respelling the email (case, spaces, fullwidth @) after 10 wrong guesses does not give a fresh counter', async () => {
    const victim = h.b.users.explorer;
    for (let i = 0; i < 10; i++) await signIn({ email: victim.email, password: `spell ${i}` });
    const [local = '', domain = ''] = victim.email.split('@');
    const variants = [
      victim.email.toUpperCase(),
      `  ${victim.email}  `,
      `\t${victim.email}\n`,
      `${local}@${domain.toUpperCase()}`,
      // Fullwidth @ (U+FF20) and a zero-width space: not the same address, and not a fresh counter
      // for the victim either (refused as input, or counted separately with no right answer).
      victim.email.replace('@', '\uFF20'),
    ];
    for (const email of variants) {
      const answer = await signIn({ email, password: FIXTURE_PASSWORD });
      expect({ email, code: codeOf(answer) }).toEqual({
        email,
        code: expect.stringMatching(/^(auth\.rate_limited|input\.invalid)$/),
      });
    }
  });

  it('switching workspaceId between guesses does not give extra guesses', async () => {
    const victim = h.b.users.viewer;
    const ids = [h.a.workspaceId, h.b.workspaceId, 'wsp_aaaaaaaaaaaaaaaa', undefined];
    for (let i = 0; i < 10; i++) {
      const workspaceId = ids[i % ids.length];
      await signIn({ email: victim.email, password: `ws ${i}`, ...(workspaceId ? { workspaceId } : {}) });
    }
    const answer = await signIn({
      email: victim.email,
      password: FIXTURE_PASSWORD,
      workspaceId: h.b.workspaceId,
    });
    expect(codeOf(answer)).toBe('auth.rate_limited');
  });

  it('X-Forwarded-For does not choose the counted address (no trusted proxies configured)', async () => {
    // 50 failures for 50 different (unknown) accounts, each claiming another client address.
    for (let i = 0; i < 50; i++) {
      await signIn(
        { email: `spray-${i}@example.test`, password: 'Winter2025!' },
        { 'x-forwarded-for': `203.0.113.${i + 1}`, 'x-real-ip': `198.51.100.${i + 1}` },
      );
    }
    const next = await signIn(
      { email: h.a.users.guest.email, password: FIXTURE_PASSWORD },
      { 'x-forwarded-for': '192.0.2.77', forwarded: 'for=192.0.2.77' },
    );
    expect(codeOf(next)).toBe('auth.rate_limited');
    const ips = await h.database.sql`select key from sign_in_attempts where key like 'ip:%'`;
    expect(ips.map((r) => r.key)).toEqual(['ip:127.0.0.1']);
  });

  it('batched sign-ins in every spelling are refused before any is evaluated', async () => {
    const email = h.a.users.manager.email;
    const before = await h.database
      .sql`select count(*)::int as n from audit_events where action = 'auth.sign_in'`;
    const body = JSON.stringify({
      0: { json: { email, password: 'batch a' } },
      1: { json: { email, password: 'batch b' } },
    });
    const spellings = [
      '/trpc/auth.signIn,auth.signIn?batch=1',
      '/trpc/auth.signIn,auth.signIn/?batch=1',
      '/trpc/auth.signIn%2Cauth.signIn?batch=1',
      '/trpc/auth.signIn%2cauth.signIn?batch=1',
      '/trpc/auth%2EsignIn,auth%2esignIn?batch=1',
      '/trpc/auth.signIn,auth.signIn?batch=1&batch=0',
      '/trpc/./auth.signIn,auth.signIn?batch=1',
      '/trpc/x/../auth.signIn,auth.signIn?batch=1',
      '/trpc/auth.signIn,auth.signIn?x=1&batch=1',
      '/trpc/auth.signIn,auth.signIn?%62atch=1',
    ];
    for (const path of spellings) {
      const res = await fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body,
      });
      expect({ path, status: res.status, cookie: res.headers.get('set-cookie') }).toEqual({
        path,
        status: expect.any(Number),
        cookie: null,
      });
    }
    const after = await h.database
      .sql`select count(*)::int as n from audit_events where action = 'auth.sign_in'`;
    expect(after[0]?.n, 'no batched sign-in was evaluated').toBe(before[0]?.n);
  });

  it('auth.signIn over GET (query) is refused and counts nothing', async () => {
    const before = await h.database.sql`select coalesce(sum(count),0)::int as n from sign_in_attempts`;
    const res = await call(
      api.url,
      'auth.signIn',
      { email: h.a.users.manager.email, password: FIXTURE_PASSWORD },
      { query: true },
    );
    expect(res.status).toBe(405);
    expect(res.setCookie).toEqual([]);
    const after = await h.database.sql`select coalesce(sum(count),0)::int as n from sign_in_attempts`;
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('a burst of 30 parallel password changes guesses at most 10 current passwords', async () => {
    const cookie = await signInOverHttp(api.url, { email: h.a.users.editor.email });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(
          api.url,
          'sessions.changePassword',
          { currentPassword: `current guess ${i}`, newPassword: 'a brand new password' },
          { cookie },
        ),
      ),
    );
    const evaluated = answers.filter((a) => codeOf(a) === 'auth.invalid_credentials').length;
    expect(evaluated).toBeLessThanOrEqual(10);
  });
});
