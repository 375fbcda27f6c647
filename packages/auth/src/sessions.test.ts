import { createHash } from 'node:crypto';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import type { WorkspaceRole } from '@quarry/contracts';
import { sessions, workspaceMembers } from '@quarry/db/schema';
import {
  addWorkspaceMember,
  createTestDatabase,
  createWorkspace,
  type TestDatabase,
} from '@quarry/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeUserSessions } from './revoke-user-credentials';
import { createSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, validateSessionToken } from './sessions';

const HOUR = 60 * 60 * 1000;

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

type Member = { userId: string; workspaceId: string };

/** A user who belongs to a fresh workspace with `role`. */
async function addMember(role: WorkspaceRole = 'editor'): Promise<Member> {
  const workspaceId = await createWorkspace(database.db);
  const member = await addWorkspaceMember(database.db, { workspaceId, role });
  return { userId: member.id, workspaceId };
}

async function sessionRow(id: string) {
  const [row] = await database.db.select().from(sessions).where(eq(sessions.id, id));
  return row;
}

function splitToken(token: string): { id: string; secret: string } {
  const [id = '', secret = ''] = token.split('.');
  return { id, secret };
}

/** Swaps one character of the secret for another of the same alphabet. */
function tamper(secret: string): string {
  const last = secret.at(-1) === 'a' ? 'b' : 'a';
  return `${secret.slice(0, -1)}${last}`;
}

describe('createSession', () => {
  it('returns <id>.<secret> and stores only the id and the SHA-256 of the secret', async () => {
    const member = await addMember();
    const now = new Date('2030-01-01T10:00:00.000Z');
    const { token, expiresAt } = await createSession(database.db, {
      ...member,
      ip: '203.0.113.7',
      userAgent: 'vitest',
      now,
    });

    expect(token).toMatch(/^[a-z2-7]{16}\.[a-z2-7]{52}$/);
    const { id, secret } = splitToken(token);
    expect(expiresAt).toEqual(new Date(now.getTime() + SESSION_IDLE_MS));

    const rows = await database.sql<Record<string, unknown>[]>`select * from sessions where id = ${id}`;
    expect(rows).toHaveLength(1);
    const row = rows[0] ?? {};
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.user_id).toBe(member.userId);
    expect(row.workspace_id).toBe(member.workspaceId);
    expect((await sessionRow(id))?.absoluteExpiresAt).toEqual(new Date(now.getTime() + SESSION_ABSOLUTE_MS));
    for (const [column, value] of Object.entries(row)) {
      const text = value instanceof Date ? value.toISOString() : String(value);
      expect(text, `column ${column}`).not.toContain(secret);
      expect(text, `column ${column}`).not.toContain(token);
    }
  });

  it('draws a secret of 32 random bytes (256 bits, AUTH-1) and a new one for every session', async () => {
    const member = await addMember();
    const secrets = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { token } = await createSession(database.db, member);
      const { secret } = splitToken(token);
      expect(secret).toHaveLength(52);
      expect(decodeBase32IgnorePadding(secret.toUpperCase())).toHaveLength(32);
      secrets.add(secret);
    }
    expect(secrets.size).toBe(20);
  });
});

describe('validateSessionToken', () => {
  it('accepts the token it was given and names the user, workspace and role', async () => {
    const member = await addMember('manager');
    const now = new Date('2030-02-01T10:00:00.000Z');
    const { token, expiresAt } = await createSession(database.db, { ...member, now });

    const actor = await validateSessionToken(database.db, token, new Date(now.getTime() + 1000));

    expect(actor).toEqual({
      sessionId: splitToken(token).id,
      userId: member.userId,
      workspaceId: member.workspaceId,
      role: 'manager',
      authMethod: 'password',
      expiresAt,
    });
  });

  it('remembers that a session was made by single sign-on', async () => {
    const member = await addMember();
    const { token } = await createSession(database.db, { ...member, authMethod: 'sso' });
    expect((await validateSessionToken(database.db, token))?.authMethod).toBe('sso');
  });

  it('refuses a token whose secret was changed, and keeps the real session', async () => {
    const member = await addMember();
    const { token } = await createSession(database.db, member);
    const { id, secret } = splitToken(token);

    expect(await validateSessionToken(database.db, `${id}.${tamper(secret)}`)).toBeNull();
    expect(await validateSessionToken(database.db, `${id}.${secret.toUpperCase()}`)).toBeNull();
    expect(await validateSessionToken(database.db, `${id}.${secret}x`)).toBeNull();

    expect((await sessionRow(id))?.id).toBe(id);
    expect((await validateSessionToken(database.db, token))?.userId).toBe(member.userId);
  });

  it('refuses a well-formed token with an unknown id', async () => {
    const member = await addMember();
    const { token } = await createSession(database.db, member);
    const { secret } = splitToken(token);

    expect(await validateSessionToken(database.db, `aaaaaaaaaaaaaaaa.${secret}`)).toBeNull();
  });

  it.each([
    ['an empty string', ''],
    ['one part', 'a'],
    ['a lone dot', '.'],
    ['an id with no secret', 'aaaaaaaaaaaaaaaa.'],
    ['a secret with no id', '.aaaa'],
    ['three parts', 'a.b.c'],
  ])('refuses a malformed token: %s', async (_label, token) => {
    expect(await validateSessionToken(database.db, token)).toBeNull();
  });

  it('refuses a token with a valid session plus an extra part', async () => {
    const member = await addMember();
    const { token } = await createSession(database.db, member);

    expect(await validateSessionToken(database.db, `${token}.extra`)).toBeNull();
  });

  it('refuses a session idle for longer than SESSION_IDLE_MS and deletes its row', async () => {
    const member = await addMember();
    const now = new Date('2030-03-01T10:00:00.000Z');
    const { token } = await createSession(database.db, { ...member, now });
    const { id } = splitToken(token);

    expect(
      await validateSessionToken(database.db, token, new Date(now.getTime() + SESSION_IDLE_MS + 1)),
    ).toBeNull();
    expect(await sessionRow(id)).toBeUndefined();
    // Gone for good: an earlier clock cannot revive it.
    expect(await validateSessionToken(database.db, token, now)).toBeNull();
  });

  it('still accepts a session one millisecond before its idle expiry', async () => {
    const member = await addMember();
    const now = new Date('2030-03-05T10:00:00.000Z');
    const { token } = await createSession(database.db, { ...member, now });

    const actor = await validateSessionToken(
      database.db,
      token,
      new Date(now.getTime() + SESSION_IDLE_MS - 1),
    );

    expect(actor?.userId).toBe(member.userId);
  });

  it('refuses a session past its absolute lifetime even when it was used regularly', async () => {
    const member = await addMember();
    const start = new Date('2030-04-01T00:00:00.000Z');
    const { token } = await createSession(database.db, { ...member, now: start });
    const { id } = splitToken(token);

    // Used every 48 hours (well within the idle timeout) for the whole lifetime.
    let at = start.getTime();
    while (at + 48 * HOUR < start.getTime() + SESSION_ABSOLUTE_MS) {
      at += 48 * HOUR;
      const actor = await validateSessionToken(database.db, token, new Date(at));
      expect(actor?.sessionId, `use at +${(at - start.getTime()) / HOUR} h`).toBe(id);
    }
    expect(at).toBeGreaterThan(start.getTime() + SESSION_ABSOLUTE_MS - SESSION_IDLE_MS);

    const lastMoment = await validateSessionToken(
      database.db,
      token,
      new Date(start.getTime() + SESSION_ABSOLUTE_MS - 1),
    );
    expect(lastMoment?.sessionId).toBe(id);

    const afterLifetime = await validateSessionToken(
      database.db,
      token,
      new Date(start.getTime() + SESSION_ABSOLUTE_MS),
    );
    expect(afterLifetime).toBeNull();
    expect(await sessionRow(id)).toBeUndefined();
  });

  it('slides expiresAt forward when used more than an hour after the last use', async () => {
    const member = await addMember();
    const start = new Date('2030-05-01T00:00:00.000Z');
    const { token, expiresAt: firstExpiry } = await createSession(database.db, { ...member, now: start });
    const { id } = splitToken(token);

    // Within the hour: nothing moves (no write per request).
    const early = new Date(start.getTime() + 30 * 60 * 1000);
    expect((await validateSessionToken(database.db, token, early))?.expiresAt).toEqual(firstExpiry);
    expect((await sessionRow(id))?.lastSeenAt).toEqual(start);
    expect((await sessionRow(id))?.expiresAt).toEqual(firstExpiry);

    // After the hour: idle expiry restarts from now.
    const later = new Date(start.getTime() + 2 * HOUR);
    const actor = await validateSessionToken(database.db, token, later);
    const slid = new Date(later.getTime() + SESSION_IDLE_MS);
    expect(actor?.expiresAt).toEqual(slid);
    const row = await sessionRow(id);
    expect(row?.expiresAt).toEqual(slid);
    expect(row?.lastSeenAt).toEqual(later);

    // The slide keeps the session alive past its first idle expiry.
    const pastFirstExpiry = new Date(firstExpiry.getTime() + HOUR);
    expect((await validateSessionToken(database.db, token, pastFirstExpiry))?.sessionId).toBe(id);
  });

  it('never slides expiresAt beyond absoluteExpiresAt', async () => {
    const member = await addMember();
    const start = new Date('2030-06-01T00:00:00.000Z');
    const { token } = await createSession(database.db, { ...member, now: start });
    const { id } = splitToken(token);
    const absolute = new Date(start.getTime() + SESSION_ABSOLUTE_MS);

    let at = start.getTime();
    while (at + 60 * HOUR < absolute.getTime() - 24 * HOUR) {
      at += 60 * HOUR;
      expect((await validateSessionToken(database.db, token, new Date(at)))?.sessionId).toBe(id);
    }
    // One day before the end: now + idle would pass the absolute expiry, so it stops there.
    const nearEnd = new Date(absolute.getTime() - 24 * HOUR);
    const actor = await validateSessionToken(database.db, token, nearEnd);

    expect(actor?.expiresAt).toEqual(absolute);
    const row = await sessionRow(id);
    expect(row?.expiresAt).toEqual(absolute);
    expect(row?.absoluteExpiresAt).toEqual(absolute);
  });

  it('refuses the session of a member deactivated in its workspace and deletes it', async () => {
    const member = await addMember();
    const { token } = await createSession(database.db, member);
    const { id } = splitToken(token);
    expect((await validateSessionToken(database.db, token))?.userId).toBe(member.userId);

    await database.db
      .update(workspaceMembers)
      .set({ deactivatedAt: new Date() })
      .where(
        and(eq(workspaceMembers.userId, member.userId), eq(workspaceMembers.workspaceId, member.workspaceId)),
      );

    expect(await validateSessionToken(database.db, token)).toBeNull();
    expect(await sessionRow(id)).toBeUndefined();
  });

  it('refuses the session of a user removed from the workspace', async () => {
    const member = await addMember();
    const { token } = await createSession(database.db, member);
    const { id } = splitToken(token);
    expect((await validateSessionToken(database.db, token))?.userId).toBe(member.userId);

    await database.db
      .delete(workspaceMembers)
      .where(
        and(eq(workspaceMembers.userId, member.userId), eq(workspaceMembers.workspaceId, member.workspaceId)),
      );

    expect(await validateSessionToken(database.db, token)).toBeNull();
    expect(await sessionRow(id)).toBeUndefined();
  });

  it("reports the member's current role, not the role at sign-in", async () => {
    const member = await addMember('admin');
    const { token } = await createSession(database.db, member);
    expect((await validateSessionToken(database.db, token))?.role).toBe('admin');

    await database.db
      .update(workspaceMembers)
      .set({ role: 'viewer' })
      .where(
        and(eq(workspaceMembers.userId, member.userId), eq(workspaceMembers.workspaceId, member.workspaceId)),
      );

    expect((await validateSessionToken(database.db, token))?.role).toBe('viewer');
  });
});

describe('revokeUserSessions', () => {
  it("ends every session of the user and none of another user's", async () => {
    const alice = await addMember();
    const bob = await addMember();
    const aliceTokens = [
      (await createSession(database.db, alice)).token,
      (await createSession(database.db, alice)).token,
      (await createSession(database.db, alice)).token,
    ];
    const bobToken = (await createSession(database.db, bob)).token;

    await revokeUserSessions(database.db, { userId: alice.userId });

    for (const token of aliceTokens) expect(await validateSessionToken(database.db, token)).toBeNull();
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, alice.userId))).toHaveLength(
      0,
    );
    expect((await validateSessionToken(database.db, bobToken))?.userId).toBe(bob.userId);
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, bob.userId))).toHaveLength(1);
  });
});
