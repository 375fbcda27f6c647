import { sessions, signInAttempts } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, refusal, signedIn } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { SIGN_IN_LIMITS } from './services/rate-limit';
import { signIn } from './services/sign-in';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

const from = (ip: string) => ({ ip, userAgent: 'burst', requestId: 'burst', previousSessionId: null });

describe('sign-in limits under a burst (AUTH-7)', () => {
  it('evaluates at most 10 of 40 parallel guesses at one account, so a right guess late in the burst does not sign in', async () => {
    const victim = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const guesses = Array.from({ length: 40 }, (_, i) => (i === 39 ? victim.password : `guess ${i}`));

    const outcomes = await Promise.all(
      guesses.map((password, i) => signIn(h.deps, { email: victim.email, password }, from(`10.1.0.${i}`))),
    );

    const evaluated = outcomes.filter((o) => o.ok || o.error.code !== 'auth.rate_limited');
    expect(evaluated.length).toBeLessThanOrEqual(SIGN_IN_LIMITS.account);
    expect(
      outcomes.filter((o) => !o.ok && o.error.code === 'auth.rate_limited').length,
    ).toBeGreaterThanOrEqual(30);
    // Whichever ran, a session exists only if the right guess was among the ten evaluated.
    const signedInOutcomes = outcomes.filter((o) => o.ok);
    const rows = await h.database.db.select().from(sessions).where(eq(sessions.userId, victim.id));
    expect(rows).toHaveLength(signedInOutcomes.length);
    expect(signedInOutcomes.length).toBeLessThanOrEqual(1);
  });

  it('evaluates at most 50 of 60 parallel guesses from one address across many accounts', async () => {
    const ip = '10.2.0.1';
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        signIn(h.deps, { email: `nobody-${i}@example.test`, password: 'a guess' }, from(ip)),
      ),
    );
    const limited = outcomes.filter((o) => !o.ok && o.error.code === 'auth.rate_limited');
    expect(limited).toHaveLength(60 - SIGN_IN_LIMITS.ip);
    const [counter] = await h.database.db
      .select()
      .from(signInAttempts)
      .where(eq(signInAttempts.key, `ip:${ip}`));
    expect(counter?.count).toBe(60);
  });

  it('refuses the right password once the account is locked, with the same answer as any limited attempt', async () => {
    const victim = await addMember(h, { workspaceId: h.a.workspaceId, role: 'viewer' });
    for (let i = 0; i < SIGN_IN_LIMITS.account; i++) {
      const wrong = await signIn(
        h.deps,
        { email: victim.email, password: `wrong ${i}` },
        from(`10.3.0.${i}`),
      );
      expect(!wrong.ok && wrong.error.code).toBe('auth.invalid_credentials');
    }
    const right = await signIn(h.deps, { email: victim.email, password: victim.password }, from('10.3.1.1'));
    expect(!right.ok && right.error.code).toBe('auth.rate_limited');
    expect(await h.database.db.select().from(sessions).where(eq(sessions.userId, victim.id))).toEqual([]);
  });

  it('gives a success back: a person who signs in often from one office address is not locked out', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'explorer' });
    for (let i = 0; i < SIGN_IN_LIMITS.ip + 5; i++) {
      const outcome = await signIn(
        h.deps,
        { email: member.email, password: member.password },
        from('10.4.0.1'),
      );
      expect(outcome.ok).toBe(true);
    }
  });

  it('charges current-password checks before they run, so 20 parallel guesses evaluate at most 10', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, async (_, i) => {
        const { caller } = await signedIn(h, member);
        return caller.sessions.changePassword({
          currentPassword: `guess ${i}`,
          newPassword: 'a brand new password',
        });
      }),
    );
    const codes = await Promise.all(
      outcomes.map(
        async (o) =>
          (await refusal(o.status === 'rejected' ? Promise.reject(o.reason) : Promise.resolve())).quarry,
      ),
    );
    expect(codes.filter((c) => c === 'auth.invalid_credentials').length).toBeLessThanOrEqual(10);
    expect(codes.filter((c) => c === 'auth.rate_limited').length).toBeGreaterThanOrEqual(10);
  });

  it('charges current-password checks to the sign-in counters, so a session adds no guesses to the window', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    for (let i = 0; i < SIGN_IN_LIMITS.account; i++) {
      await signIn(h.deps, { email: member.email, password: `wrong ${i}` }, from(`10.5.0.${i}`));
    }
    const { caller } = await signedIn(h, member);
    expect(
      (
        await refusal(
          caller.sessions.changePassword({
            currentPassword: member.password,
            newPassword: 'a brand new password',
          }),
        )
      ).quarry,
    ).toBe('auth.rate_limited');
  });
});
