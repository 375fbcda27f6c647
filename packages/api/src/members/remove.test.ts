import { newId } from '@quarry/db';
import { apiTokens, groupMembers, projectGrants, sessions, users } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import {
  addMember,
  again,
  alsoMemberOf,
  auditEntries,
  membership,
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

describe('members.remove', () => {
  it('removes the membership, group memberships and shares by name, and ends every session and token', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const session = await signedIn(h, member);
    const token = await withToken(h, member);
    const admin = await h.as(h.a, 'admin');
    const group = await admin.groups.create({ name: 'Leavers' });
    await admin.groups.addMember({ groupId: group.id, userId: member.id });
    const grantId = newId('grant');
    await h.database.db.insert(projectGrants).values({
      id: grantId,
      workspaceId: h.a.workspaceId,
      projectId: h.a.projectId,
      userId: member.id,
      permission: 'full_access',
    });

    expect(await admin.members.remove({ userId: member.id })).toEqual({ removed: true });

    expect(await membership(h, member)).toBeNull();
    expect(await h.database.db.select().from(groupMembers).where(eq(groupMembers.userId, member.id))).toEqual(
      [],
    );
    expect(await h.database.db.select().from(projectGrants).where(eq(projectGrants.id, grantId))).toEqual([]);
    expect(await h.database.db.select().from(sessions).where(eq(sessions.userId, member.id))).toEqual([]);
    const [tokenRow] = await h.database.db.select().from(apiTokens).where(eq(apiTokens.userId, member.id));
    expect(tokenRow?.revokedAt).toBeInstanceOf(Date);
    expect((await refusal((await again(h, session)).auth.me())).code).toBe('UNAUTHORIZED');
    expect((await refusal((await again(h, token)).auth.me())).code).toBe('UNAUTHORIZED');
    // The account stays, for the audit log; the group stays, without them.
    expect(await h.database.db.select().from(users).where(eq(users.id, member.id))).toHaveLength(1);
    expect((await admin.groups.list()).find((g) => g.id === group.id)?.members).toEqual([]);
    expect((await admin.members.list()).map((m) => m.userId)).not.toContain(member.id);
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'member.remove',
      targetId: member.id,
    });
    expect(entry).toMatchObject({
      actorId: h.a.users.admin.id,
      details: {
        before: {
          role: 'editor',
          status: 'active',
          groups: [group.id],
          projectsSharedByName: [h.a.projectId],
        },
        after: null,
        sessionsEnded: 1,
        tokensRevoked: 1,
      },
    });
  });

  it('refuses an Admin removing themselves', async () => {
    const workspaceId = await newWorkspace(h);
    const self = await addMember(h, { workspaceId, role: 'admin' });
    await addMember(h, { workspaceId, role: 'admin' });
    const { caller } = await signedIn(h, self);

    expect(await refusal(caller.members.remove({ userId: self.id }))).toMatchObject({
      quarry: 'members.not_on_yourself',
    });
    expect(await membership(h, self)).toMatchObject({ role: 'admin' });
  });

  it('lets only one of two Admins removing each other at once succeed, so one Admin remains', async () => {
    const workspaceId = await newWorkspace(h);
    const first = await addMember(h, { workspaceId, role: 'admin' });
    const second = await addMember(h, { workspaceId, role: 'admin' });
    const [one, two] = [await signedIn(h, first), await signedIn(h, second)];

    const outcomes = await Promise.allSettled([
      one.caller.members.remove({ userId: second.id }),
      two.caller.members.remove({ userId: first.id }),
    ]);

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = outcomes.filter((o) => o.status === 'rejected');
    expect(await refusal(Promise.reject(rejected?.reason))).toMatchObject({ quarry: 'members.last_admin' });
    const left = [await membership(h, first), await membership(h, second)].filter(Boolean);
    expect(left).toHaveLength(1);
  });

  it('does not touch the removed member’s sessions and tokens in another workspace', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'viewer' });
    const elsewhere = await newWorkspace(h);
    await alsoMemberOf(h, member, { workspaceId: elsewhere, role: 'editor' });
    const there = await withToken(h, { id: member.id, workspaceId: elsewhere });
    const admin = await h.as(h.a, 'admin');

    await admin.members.remove({ userId: member.id });

    expect((await (await again(h, there)).auth.me()).workspace.id).toBe(elsewhere);
    const live = await h.database.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, member.id), eq(apiTokens.workspaceId, elsewhere)));
    expect(live[0]?.revokedAt).toBeNull();
  });
});
