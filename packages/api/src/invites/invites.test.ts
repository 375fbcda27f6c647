import { createHash } from 'node:crypto';
import { INVITE_TTL_DAYS } from '@quarry/contracts';
import { invites } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, auditEntries, refusal } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

const LINK = /^\/invite#(inv_[a-z2-7]{16})\.([a-z2-7]{52})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

const inviteRow = async (id: string) =>
  (await h.database.db.select().from(invites).where(eq(invites.id, id)))[0];

describe('invites.create', () => {
  it('returns a link with a single-use secret once, and stores only the secret’s SHA-256', async () => {
    const admin = await h.as(h.a, 'admin');

    const created = await admin.invites.create({ email: '  Grace@Example.TEST ', role: 'explorer' });

    const [, id = '', secret = ''] = LINK.exec(created.link) ?? [];
    expect(created.invite).toMatchObject({
      id,
      email: 'grace@example.test',
      role: 'explorer',
      status: 'pending',
    });
    expect(created.invite.expiresAt.getTime() - created.invite.createdAt.getTime()).toBe(
      INVITE_TTL_DAYS * DAY_MS,
    );
    const rows = await h.database.sql<Record<string, unknown>[]>`select * from invites where id = ${id}`;
    expect(rows).toHaveLength(1);
    const row = rows[0] ?? {};
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.invited_by).toBe(h.a.users.admin.id);
    for (const [column, value] of Object.entries(row)) {
      const text = value instanceof Date ? value.toISOString() : String(value);
      expect(text, `column ${column}`).not.toContain(secret);
    }
    // Nor does the list, nor the audit log, ever show it again.
    expect(JSON.stringify(await admin.invites.list())).not.toContain(secret);
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'invite.create',
      targetId: id,
    });
    expect(JSON.stringify(entry)).not.toContain(secret);
    expect(entry).toMatchObject({
      actorId: h.a.users.admin.id,
      ip: '127.0.0.1',
      requestId: 'test',
      details: { before: null, after: { email: 'grace@example.test', role: 'explorer' }, replaced: [] },
    });
  });

  it('refuses inviting an email that is already a member, whatever its case, with invites.already_member', async () => {
    const admin = await h.as(h.a, 'admin');
    const before = (await admin.invites.list()).length;

    const refused = await refusal(
      admin.invites.create({ email: h.a.users.viewer.email.toUpperCase(), role: 'editor' }),
    );

    expect(refused).toMatchObject({ code: 'CONFLICT', quarry: 'invites.already_member' });
    expect(await admin.invites.list()).toHaveLength(before);
  });

  it('refuses inviting a deactivated member too: an Admin reactivates them instead', async () => {
    const admin = await h.as(h.a, 'admin');
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'viewer' });
    await admin.members.deactivate({ userId: member.id });
    expect((await refusal(admin.invites.create({ email: member.email, role: 'viewer' }))).quarry).toBe(
      'invites.already_member',
    );
  });

  it("lets workspace A invite a member of workspace B (B's membership is not A's)", async () => {
    const admin = await h.as(h.a, 'admin');
    expect(
      (await admin.invites.create({ email: h.b.users.editor.email, role: 'viewer' })).invite.status,
    ).toBe('pending');
  });

  it('replaces a pending invite to the same email, so only the newest link works', async () => {
    const admin = await h.as(h.a, 'admin');
    const first = await admin.invites.create({ email: 'twice@example.test', role: 'viewer' });
    const second = await admin.invites.create({ email: 'twice@example.test', role: 'editor' });

    expect((await inviteRow(first.invite.id))?.revokedAt).toBeInstanceOf(Date);
    const anonymous = await h.anonymous();
    expect((await refusal(anonymous.invites.preview({ token: first.link.slice(8) }))).quarry).toBe(
      'invites.invalid',
    );
    expect((await anonymous.invites.preview({ token: second.link.slice(8) })).role).toBe('editor');
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'invite.create',
      targetId: second.invite.id,
    });
    expect(entry?.details).toMatchObject({ replaced: [first.invite.id] });
  });

  it('refuses an email that is not one, as invalid input', async () => {
    const admin = await h.as(h.a, 'admin');
    expect((await refusal(admin.invites.create({ email: 'not an email', role: 'viewer' }))).code).toBe(
      'BAD_REQUEST',
    );
  });
});

describe('invites.list', () => {
  it('names each invite pending, accepted, expired or revoked, newest first', async () => {
    const workspaceAdmin = await h.as(h.b, 'admin');
    const pending = await workspaceAdmin.invites.create({ email: 'pending@example.test', role: 'viewer' });
    const expired = await workspaceAdmin.invites.create({ email: 'expired@example.test', role: 'viewer' });
    const revoked = await workspaceAdmin.invites.create({ email: 'revoked@example.test', role: 'viewer' });
    const accepted = await workspaceAdmin.invites.create({ email: 'accepted@example.test', role: 'guest' });
    await h.database.db
      .update(invites)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invites.id, expired.invite.id));
    await workspaceAdmin.invites.revoke({ inviteId: revoked.invite.id });
    await (await h.anonymous()).invites.accept({
      token: accepted.link.slice(8),
      name: 'Accepted Person',
      password: 'a long enough password',
    });

    const listed = await workspaceAdmin.invites.list();

    const statusOf = Object.fromEntries(listed.map((i) => [i.email, i.status]));
    expect(statusOf).toEqual({
      'pending@example.test': 'pending',
      'expired@example.test': 'expired',
      'revoked@example.test': 'revoked',
      'accepted@example.test': 'accepted',
    });
    expect(listed.map((i) => i.id).sort()).toEqual(
      [pending, expired, revoked, accepted].map((c) => c.invite.id).sort(),
    );
    const times = listed.map((i) => i.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });
});

describe('invites.revoke', () => {
  it('stops the link at once and audits it; a second revoke answers invites.not_pending', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await admin.invites.create({ email: 'revocable@example.test', role: 'editor' });

    expect((await admin.invites.revoke({ inviteId: created.invite.id })).status).toBe('revoked');

    expect((await inviteRow(created.invite.id))?.revokedAt).toBeInstanceOf(Date);
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'invite.revoke',
      targetId: created.invite.id,
    });
    expect(entry?.details).toEqual({ before: { status: 'pending' }, after: { status: 'revoked' } });
    expect(await refusal(admin.invites.revoke({ inviteId: created.invite.id }))).toMatchObject({
      quarry: 'invites.not_pending',
    });
  });
});
