import { auditEvents, invites, users, workspaceMembers } from '@quarry/db/schema';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, refusal } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

const PASSWORD = 'a brand new password';

/** A fresh invite to workspace A; returns its id and the token from its link. */
async function invite(email: string, role: 'editor' | 'viewer' | 'guest' | 'admin' = 'editor') {
  const admin = await h.as(h.a, 'admin');
  const created = await admin.invites.create({ email, role });
  return { id: created.invite.id, token: created.link.replace(/^\/invite#/, '') };
}

const usersWithEmail = (email: string) =>
  h.database.db.select().from(users).where(sql`lower(${users.email}) = ${email}`);

const INVALID = {
  code: 'BAD_REQUEST',
  quarry: 'invites.invalid',
  message: 'This invitation link is not valid any more',
};

describe('invites: create, preview, accept', () => {
  it('creates the account, signs it in with the invited role and marks the invite accepted', async () => {
    const { id, token } = await invite('ada@example.test', 'viewer');
    const visitor = await h.callerWithHeaders(new Headers());

    expect(await visitor.caller.invites.preview({ token })).toEqual({
      workspaceName: 'Workspace A',
      email: 'ada@example.test',
      role: 'viewer',
      hasAccount: false,
    });
    const me = await visitor.caller.invites.accept({ token, name: 'Ada Lovelace', password: PASSWORD });

    expect(me).toMatchObject({
      email: 'ada@example.test',
      name: 'Ada Lovelace',
      workspace: { id: h.a.workspaceId, name: 'Workspace A', role: 'viewer' },
    });
    const cookie = visitor.resHeaders.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^quarry_session=[a-z2-7]{16}\.[a-z2-7]{52}; Path=\/; HttpOnly; SameSite=Lax; Expires=/,
    );
    const signedIn = await h.callerWithHeaders(new Headers({ cookie: cookie.split(';')[0] ?? '' }));
    expect(await signedIn.caller.auth.me()).toEqual(me);

    const [user] = await usersWithEmail('ada@example.test');
    expect(user?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const [member] = await h.database.db
      .select()
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, h.a.workspaceId), eq(workspaceMembers.userId, me.userId)));
    expect(member?.role).toBe('viewer');
    expect((await (await h.as(h.a, 'admin')).invites.list()).find((i) => i.id === id)?.status).toBe(
      'accepted',
    );
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'invite.accept',
      targetId: id,
    });
    expect(entry).toMatchObject({
      actorId: me.userId,
      outcome: 'success',
      ip: '127.0.0.1',
      details: {
        role: 'viewer',
        invitedBy: h.a.users.admin.id,
        before: { status: 'pending' },
        after: { status: 'accepted' },
      },
    });
    // The password chosen on the invite page is the one to sign in with.
    const later = await h.anonymous();
    expect((await later.auth.signIn({ email: 'ada@example.test', password: PASSWORD })).userId).toBe(
      me.userId,
    );
  });

  it('does not use up the invite on preview', async () => {
    const { token } = await invite('previewed@example.test');
    const anonymous = await h.anonymous();
    await anonymous.invites.preview({ token });
    await anonymous.invites.preview({ token });
    expect((await anonymous.invites.accept({ token, name: 'P', password: PASSWORD })).email).toBe(
      'previewed@example.test',
    );
  });

  it('refuses a second acceptance of the same link with invites.invalid, and creates nobody', async () => {
    const { token } = await invite('once@example.test');
    const anonymous = await h.anonymous();
    await anonymous.invites.accept({ token, name: 'First', password: PASSWORD });

    expect(
      await refusal(anonymous.invites.accept({ token, name: 'Second', password: 'another password' })),
    ).toEqual(INVALID);
    expect(await refusal(anonymous.invites.preview({ token }))).toEqual(INVALID);
    const accounts = await usersWithEmail('once@example.test');
    expect(accounts.map((u) => u.name)).toEqual(['First']);
  });

  it('lets only one of two simultaneous acceptances through', async () => {
    const { token } = await invite('race@example.test');
    const [one, two] = [await h.anonymous(), await h.anonymous()];

    const outcomes = await Promise.allSettled([
      one.invites.accept({ token, name: 'One', password: PASSWORD }),
      two.invites.accept({ token, name: 'Two', password: PASSWORD }),
    ]);

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = outcomes.filter((o) => o.status === 'rejected');
    expect(await refusal(Promise.reject(rejected?.reason))).toEqual(INVALID);
    expect(await usersWithEmail('race@example.test')).toHaveLength(1);
  });

  it('refuses an expired invite with invites.invalid', async () => {
    const { id, token } = await invite('late@example.test');
    await h.database.db
      .update(invites)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invites.id, id));
    const anonymous = await h.anonymous();

    expect(await refusal(anonymous.invites.preview({ token }))).toEqual(INVALID);
    expect(await refusal(anonymous.invites.accept({ token, name: 'Late', password: PASSWORD }))).toEqual(
      INVALID,
    );
    expect(await usersWithEmail('late@example.test')).toEqual([]);
  });

  it('refuses a revoked invite with invites.invalid', async () => {
    const { id, token } = await invite('revoked@example.test');
    await (await h.as(h.a, 'admin')).invites.revoke({ inviteId: id });
    const anonymous = await h.anonymous();

    expect(await refusal(anonymous.invites.preview({ token }))).toEqual(INVALID);
    expect(await refusal(anonymous.invites.accept({ token, name: 'Gone', password: PASSWORD }))).toEqual(
      INVALID,
    );
    expect(await usersWithEmail('revoked@example.test')).toEqual([]);
  });

  it('answers a tampered, unknown or malformed token exactly like a used one, and records the tampering', async () => {
    const { id, token } = await invite('tamper@example.test');
    const [inviteId = '', secret = ''] = token.split('.');
    const flipped = `${secret.slice(0, -1)}${secret.at(-1) === 'a' ? 'b' : 'a'}`;
    const other = await invite('other@example.test');
    const anonymous = await h.anonymous();

    for (const bad of [
      `${inviteId}.${flipped}`,
      `${inviteId}.${other.token.split('.')[1]}`,
      `inv_aaaaaaaaaaaaaaaa.${secret}`,
      `${inviteId}.${secret.toUpperCase()}`,
      `${token}.extra`,
      `${inviteId}${secret}`,
    ]) {
      expect(await refusal(anonymous.invites.preview({ token: bad })), bad).toEqual(INVALID);
      expect(
        await refusal(anonymous.invites.accept({ token: bad, name: 'Mallory', password: PASSWORD })),
        bad,
      ).toEqual(INVALID);
    }
    expect(await usersWithEmail('tamper@example.test')).toEqual([]);
    const failures = await h.database.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.action, 'invite.accept'),
          eq(auditEvents.targetId, id),
          eq(auditEvents.outcome, 'failure'),
        ),
      );
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures[0]?.details).toEqual({ reason: 'bad_secret' });
    // The real token still works.
    expect((await anonymous.invites.accept({ token, name: 'Tam', password: PASSWORD })).email).toBe(
      'tamper@example.test',
    );
  });

  it('refuses an email that already has an account with invites.sign_in_first, and keeps the invite pending', async () => {
    const { id, token } = await invite(h.b.users.viewer.email, 'editor');
    const anonymous = await h.anonymous();

    expect(
      await refusal(anonymous.invites.accept({ token, name: 'Someone', password: PASSWORD })),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      quarry: 'invites.sign_in_first',
    });
    const [row] = await h.database.db.select().from(invites).where(eq(invites.id, id));
    expect(row?.acceptedAt).toBeNull();
    const memberships = await h.database.db
      .select()
      .from(workspaceMembers)
      .where(
        and(
          eq(workspaceMembers.workspaceId, h.a.workspaceId),
          eq(workspaceMembers.userId, h.b.users.viewer.id),
        ),
      );
    expect(memberships).toEqual([]);
    // Their existing password is untouched.
    const [user] = await usersWithEmail(h.b.users.viewer.email);
    expect(user?.name).toBe('viewer user');
  });

  it('refuses a password shorter than 8 characters as invalid input, leaving the invite usable', async () => {
    const { token } = await invite('short@example.test');
    const anonymous = await h.anonymous();
    expect((await refusal(anonymous.invites.accept({ token, name: 'Short', password: 'short' }))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await anonymous.invites.preview({ token })).email).toBe('short@example.test');
  });
});
