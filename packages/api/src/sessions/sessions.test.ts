import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../auth/session-cookie';
import { type ApiHarness, createApiHarness, FIXTURE_PASSWORD } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

/** A browser's cookie: every call builds a fresh context from it, as each HTTP request does. */
async function signIn(email: string) {
  const { caller, resHeaders } = await h.callerWithHeaders(new Headers());
  await caller.auth.signIn({ email, password: FIXTURE_PASSWORD });
  const cookie = (resHeaders.get('set-cookie') ?? '').split(';')[0] ?? '';
  return async () => (await h.callerWithHeaders(new Headers({ cookie }))).caller;
}

const code = (e: unknown) => (e instanceof TRPCError ? e.code : String(e));

describe('my sessions', () => {
  it('lists where I am signed in, marks this one, and ends another one', async () => {
    const first = await signIn(h.a.users.manager.email);
    const second = await (await signIn(h.a.users.manager.email))();
    const listed = await second.sessions.list();
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    const other = listed.find((s) => !s.current);
    if (!other) throw new Error('no other session');
    await second.sessions.revoke({ sessionId: other.id });
    expect((await second.sessions.list()).map((s) => s.id)).not.toContain(other.id);
    await expect((await first()).auth.me()).rejects.toSatisfy((e) => code(e) === 'UNAUTHORIZED');
  });

  it("cannot end someone else's session", async () => {
    const mine = await (await signIn(h.a.users.explorer.email))();
    const theirs = await (await signIn(h.a.users.manager.email))();
    const [session] = await theirs.sessions.list();
    await expect(mine.sessions.revoke({ sessionId: session?.id ?? 'x' })).rejects.toSatisfy(
      (e) => code(e) === 'NOT_FOUND',
    );
    expect((await theirs.auth.me()).userId).toBe(h.a.users.manager.id);
  });

  it('signs out everywhere at once', async () => {
    const a = await signIn(h.a.users.editor.email);
    const b = await signIn(h.a.users.editor.email);
    expect((await (await b()).sessions.signOutEverywhere()).ended).toBeGreaterThanOrEqual(2);
    for (const browser of [a, b]) {
      await expect((await browser()).auth.me()).rejects.toSatisfy((e) => code(e) === 'UNAUTHORIZED');
    }
  });
});

describe('changing the password', () => {
  it('ends every other session, revokes every token, and keeps this browser signed in (AUTH-3)', async () => {
    const email = h.a.users.explorer.email;
    const elsewhere = await signIn(email);
    const { token } = await h.withToken(h.a, 'explorer');
    const viaToken = async () =>
      (await h.callerWithHeaders(new Headers({ authorization: `Bearer ${token}` }))).caller;
    const { caller, resHeaders } = await h.callerWithHeaders(new Headers());
    await caller.auth.signIn({ email, password: FIXTURE_PASSWORD });
    const here = await h.callerWithHeaders(
      new Headers({ cookie: (resHeaders.get('set-cookie') ?? '').split(';')[0] ?? '' }),
    );
    await expect(
      here.caller.sessions.changePassword({ currentPassword: 'wrong one', newPassword: 'a new password 1' }),
    ).rejects.toSatisfy((e) => code(e) === 'UNAUTHORIZED');
    await here.caller.sessions.changePassword({
      currentPassword: FIXTURE_PASSWORD,
      newPassword: 'a new password 1',
    });
    const fresh = (here.resHeaders.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(fresh.startsWith(`${sessionCookieName(false)}=`)).toBe(true);
    const renewed = await h.callerWithHeaders(new Headers({ cookie: fresh }));
    expect((await renewed.caller.auth.me()).userId).toBe(h.a.users.explorer.id);
    for (const stale of [elsewhere, viaToken]) {
      await expect((await stale()).auth.me()).rejects.toSatisfy((e) => code(e) === 'UNAUTHORIZED');
    }
    const anonymous = await h.anonymous();
    await expect(anonymous.auth.signIn({ email, password: FIXTURE_PASSWORD })).rejects.toSatisfy(
      (e) => code(e) === 'UNAUTHORIZED',
    );
    expect((await anonymous.auth.signIn({ email, password: 'a new password 1' })).userId).toBe(
      h.a.users.explorer.id,
    );
  });
});

describe('sign-in rate limits (AUTH-6)', () => {
  it('stops an account after 10 failures, even with the right password, and limits an unknown email the same way', async () => {
    const anonymous = await h.anonymous();
    const email = h.b.users.viewer.email;
    for (let i = 0; i < 10; i += 1) {
      await expect(anonymous.auth.signIn({ email, password: `wrong ${i}` })).rejects.toSatisfy(
        (e) => code(e) === 'UNAUTHORIZED',
      );
    }
    const limited = await anonymous.auth
      .signIn({ email, password: FIXTURE_PASSWORD })
      .catch((e: unknown) => e);
    expect(limited).toMatchObject({
      quarry: { code: 'auth.rate_limited', hint: expect.stringMatching(/^Wait \d+ minutes?/) },
    });
    for (let i = 0; i < 10; i += 1)
      await anonymous.auth.signIn({ email: 'ghost@example.test', password: `x${i}` }).catch(() => {});
    const ghost = await anonymous.auth
      .signIn({ email: 'ghost@example.test', password: 'x' })
      .catch((e: unknown) => e);
    expect(ghost).toMatchObject({ quarry: { code: 'auth.rate_limited' } });
    await h.database.sql`delete from sign_in_attempts`;
  });

  it('forgets failures after a successful sign-in', async () => {
    const anonymous = await h.anonymous();
    const email = h.b.users.explorer.email;
    for (let i = 0; i < 9; i += 1)
      await anonymous.auth.signIn({ email, password: `wrong ${i}` }).catch(() => {});
    expect((await anonymous.auth.signIn({ email, password: FIXTURE_PASSWORD })).userId).toBe(
      h.b.users.explorer.id,
    );
    const [row] = await h.database.sql`select count from sign_in_attempts where key = ${`account:${email}`}`;
    expect(row).toBeUndefined();
    await h.database.sql`delete from sign_in_attempts`;
  });
});
