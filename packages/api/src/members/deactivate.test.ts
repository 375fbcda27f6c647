import { apiTokens, sessions, workspaceMembers } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import {
  addMember,
  again,
  auditEntries,
  newWorkspace,
  refusal,
  signedIn,
  withToken,
} from './testing/member-helpers';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

/** The member's one membership (each member here belongs to a single workspace). */
const userRow = async (id: string) =>
  (await h.database.db.select().from(workspaceMembers).where(eq(workspaceMembers.userId, id)))[0];

describe('members.deactivate', () => {
  it('ends every session and revokes every API token of the member at once (AUTH-3)', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const credentials = [
      await signedIn(h, member),
      await signedIn(h, member),
      await withToken(h, member),
      await withToken(h, member),
    ];
    for (const credential of credentials) expect((await credential.caller.auth.me()).userId).toBe(member.id);
    const admin = await h.as(h.a, 'admin');

    const summary = await admin.members.deactivate({ userId: member.id });

    expect(summary).toMatchObject({ userId: member.id, status: 'deactivated', role: 'editor' });
    for (const credential of credentials) {
      expect(await refusal((await again(h, credential)).auth.me())).toMatchObject({
        code: 'UNAUTHORIZED',
        quarry: 'auth.signed_out',
      });
    }
    expect((await userRow(member.id))?.deactivatedAt).toBeInstanceOf(Date);
    expect(await h.database.db.select().from(sessions).where(eq(sessions.userId, member.id))).toEqual([]);
    const tokens = await h.database.db.select().from(apiTokens).where(eq(apiTokens.userId, member.id));
    expect(tokens).toHaveLength(2);
    for (const token of tokens) expect(token.revokedAt).toBeInstanceOf(Date);
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'member.deactivate',
      targetId: member.id,
    });
    expect(entry).toMatchObject({
      actorId: h.a.users.admin.id,
      ip: '127.0.0.1',
      requestId: 'test',
      details: {
        before: { status: 'active' },
        after: { status: 'deactivated' },
        sessionsEnded: 2,
        tokensRevoked: 2,
      },
    });
  });

  it('answers a deactivated member’s sign-in like a wrong password', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'viewer' });
    const admin = await h.as(h.a, 'admin');
    await admin.members.deactivate({ userId: member.id });

    const anonymous = await h.anonymous();
    expect(
      await refusal(anonymous.auth.signIn({ email: member.email, password: member.password })),
    ).toMatchObject({
      code: 'UNAUTHORIZED',
      quarry: 'auth.invalid_credentials',
    });
  });

  it('refuses an Admin deactivating themselves, and keeps their session', async () => {
    const workspaceId = await newWorkspace(h);
    const self = await addMember(h, { workspaceId, role: 'admin' });
    await addMember(h, { workspaceId, role: 'admin' });
    const session = await signedIn(h, self);

    expect(await refusal(session.caller.members.deactivate({ userId: self.id }))).toMatchObject({
      code: 'BAD_REQUEST',
      quarry: 'members.not_on_yourself',
    });
    expect((await userRow(self.id))?.deactivatedAt).toBeNull();
    expect((await (await again(h, session)).auth.me()).userId).toBe(self.id);
  });

  it('lets only one of two Admins deactivating each other at once succeed, so one active Admin remains', async () => {
    const workspaceId = await newWorkspace(h);
    const first = await addMember(h, { workspaceId, role: 'admin' });
    const second = await addMember(h, { workspaceId, role: 'admin' });
    const [one, two] = [await signedIn(h, first), await signedIn(h, second)];

    const outcomes = await Promise.allSettled([
      one.caller.members.deactivate({ userId: second.id }),
      two.caller.members.deactivate({ userId: first.id }),
    ]);

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = outcomes.filter((o) => o.status === 'rejected');
    expect(await refusal(Promise.reject(rejected?.reason))).toMatchObject({ quarry: 'members.last_admin' });
    const active = [await userRow(first.id), await userRow(second.id)].filter(
      (u) => u?.deactivatedAt === null,
    );
    expect(active).toHaveLength(1);
  });

  it('leaves an already deactivated member as they are, writing no second audit entry', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'explorer' });
    const admin = await h.as(h.a, 'admin');
    await admin.members.deactivate({ userId: member.id });
    const at = (await userRow(member.id))?.deactivatedAt;

    expect((await admin.members.deactivate({ userId: member.id })).status).toBe('deactivated');

    expect((await userRow(member.id))?.deactivatedAt).toEqual(at);
    expect(
      await auditEntries(h, {
        workspaceId: h.a.workspaceId,
        action: 'member.deactivate',
        targetId: member.id,
      }),
    ).toHaveLength(1);
  });
});

describe('members.reactivate', () => {
  it('lets the member sign in again, while their old sessions and tokens stay ended', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const session = await signedIn(h, member);
    const token = await withToken(h, member);
    const admin = await h.as(h.a, 'admin');
    await admin.members.deactivate({ userId: member.id });

    const summary = await admin.members.reactivate({ userId: member.id });

    expect(summary).toMatchObject({ userId: member.id, status: 'active', role: 'editor' });
    expect((await userRow(member.id))?.deactivatedAt).toBeNull();
    expect((await refusal((await again(h, session)).auth.me())).code).toBe('UNAUTHORIZED');
    expect((await refusal((await again(h, token)).auth.me())).code).toBe('UNAUTHORIZED');
    const anonymous = await h.anonymous();
    expect((await anonymous.auth.signIn({ email: member.email, password: member.password })).userId).toBe(
      member.id,
    );
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'member.reactivate',
      targetId: member.id,
    });
    expect(entry?.details).toEqual({ before: { status: 'deactivated' }, after: { status: 'active' } });
  });
});
