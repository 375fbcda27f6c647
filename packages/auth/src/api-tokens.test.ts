import { createHash } from 'node:crypto';
import type { WorkspaceRole } from '@quarry/contracts';
import { API_TOKEN_DAY_MS } from '@quarry/contracts';
import { apiTokens, workspaceMembers } from '@quarry/db/schema';
import {
  addWorkspaceMember,
  createTestDatabase,
  createWorkspace,
  type TestDatabase,
} from '@quarry/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, validateApiToken } from './api-tokens';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

type Member = { userId: string; workspaceId: string };

async function addMember(role: WorkspaceRole = 'editor'): Promise<Member> {
  const workspaceId = await createWorkspace(database.db);
  const member = await addWorkspaceMember(database.db, { workspaceId, role });
  return { userId: member.id, workspaceId };
}

async function tokenRow(id: string) {
  const [row] = await database.db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return row;
}

const TOKEN = /^qry_([a-z2-7]{16})_([a-z2-7]{52})$/;

function partsOf(token: string): { id: string; secret: string } {
  const match = TOKEN.exec(token);
  return { id: match?.[1] ?? '', secret: match?.[2] ?? '' };
}

describe('createApiToken', () => {
  it('returns a qry_ token and stores only the SHA-256 of its secret', async () => {
    const member = await addMember();
    const now = new Date('2030-01-01T00:00:00.000Z');
    const { token, row } = await createApiToken(database.db, {
      ...member,
      name: 'CI',
      expiresInDays: 30,
      now,
    });

    expect(token).toMatch(TOKEN);
    const { id, secret } = partsOf(token);
    expect(row.id).toBe(`tok_${id}`);
    expect(row.prefix).toBe(token.slice(0, 12));
    expect(row.expiresAt).toEqual(new Date(now.getTime() + 30 * API_TOKEN_DAY_MS));
    expect(row.lastUsedAt).toBeNull();

    const rows = await database.sql<Record<string, unknown>[]>`select * from api_tokens where id = ${row.id}`;
    expect(rows).toHaveLength(1);
    const stored = rows[0] ?? {};
    expect(stored.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    for (const [column, value] of Object.entries(stored)) {
      const text = value instanceof Date ? value.toISOString() : String(value);
      expect(text, `column ${column}`).not.toContain(secret);
      expect(text, `column ${column}`).not.toContain(token);
    }
  });
});

describe('validateApiToken', () => {
  it('accepts the token and acts as its owner in its workspace', async () => {
    const member = await addMember('explorer');
    const { token, row } = await createApiToken(database.db, { ...member, name: 'SDK', expiresInDays: 7 });

    expect(await validateApiToken(database.db, token)).toEqual({
      tokenId: row.id,
      userId: member.userId,
      workspaceId: member.workspaceId,
      role: 'explorer',
    });
  });

  it('refuses a token at or after its expiry', async () => {
    const member = await addMember();
    const now = new Date('2030-02-01T00:00:00.000Z');
    const { token, row } = await createApiToken(database.db, {
      ...member,
      name: 'Short',
      expiresInDays: 1,
      now,
    });

    expect((await validateApiToken(database.db, token, new Date(row.expiresAt.getTime() - 1)))?.tokenId).toBe(
      row.id,
    );
    expect(await validateApiToken(database.db, token, row.expiresAt)).toBeNull();
    expect(
      await validateApiToken(database.db, token, new Date(row.expiresAt.getTime() + API_TOKEN_DAY_MS)),
    ).toBeNull();
  });

  it('refuses a revoked token', async () => {
    const member = await addMember();
    const { token, row } = await createApiToken(database.db, {
      ...member,
      name: 'Revoked',
      expiresInDays: 30,
    });
    expect((await validateApiToken(database.db, token))?.tokenId).toBe(row.id);

    await database.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, row.id));

    expect(await validateApiToken(database.db, token)).toBeNull();
  });

  it('refuses a token whose secret was tampered with', async () => {
    const member = await addMember();
    const { token, row } = await createApiToken(database.db, {
      ...member,
      name: 'Tampered',
      expiresInDays: 30,
    });
    const { id, secret } = partsOf(token);
    const flipped = `${secret.slice(0, -1)}${secret.at(-1) === 'a' ? 'b' : 'a'}`;

    expect(await validateApiToken(database.db, `qry_${id}_${flipped}`)).toBeNull();
    // Another token's secret under this id is refused too.
    const other = await createApiToken(database.db, { ...member, name: 'Other', expiresInDays: 30 });
    expect(await validateApiToken(database.db, `qry_${id}_${partsOf(other.token).secret}`)).toBeNull();
    expect((await validateApiToken(database.db, token))?.tokenId).toBe(row.id);
  });

  it.each([
    ['an empty string', ''],
    ['no prefix', 'aaaaaaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['a short secret', 'qry_aaaaaaaaaaaaaaaa_aaaa'],
    ['upper case', 'QRY_AAAAAAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses a malformed token: %s', async (_label, token) => {
    expect(await validateApiToken(database.db, token)).toBeNull();
  });

  it('refuses the token of a member deactivated in its workspace', async () => {
    const member = await addMember();
    const { token, row } = await createApiToken(database.db, {
      ...member,
      name: 'Leaver',
      expiresInDays: 30,
    });
    expect((await validateApiToken(database.db, token))?.tokenId).toBe(row.id);

    await database.db
      .update(workspaceMembers)
      .set({ deactivatedAt: new Date() })
      .where(
        and(eq(workspaceMembers.userId, member.userId), eq(workspaceMembers.workspaceId, member.workspaceId)),
      );

    expect(await validateApiToken(database.db, token)).toBeNull();
  });

  it('refuses the token of a user removed from the workspace', async () => {
    const member = await addMember();
    const { token } = await createApiToken(database.db, { ...member, name: 'Removed', expiresInDays: 30 });

    await database.db
      .delete(workspaceMembers)
      .where(
        and(eq(workspaceMembers.userId, member.userId), eq(workspaceMembers.workspaceId, member.workspaceId)),
      );

    expect(await validateApiToken(database.db, token)).toBeNull();
  });

  it("acts with the member's current role, not the role at creation", async () => {
    const member = await addMember('admin');
    const { token } = await createApiToken(database.db, { ...member, name: 'Role', expiresInDays: 30 });
    expect((await validateApiToken(database.db, token))?.role).toBe('admin');

    await database.db
      .update(workspaceMembers)
      .set({ role: 'viewer' })
      .where(
        and(eq(workspaceMembers.userId, member.userId), eq(workspaceMembers.workspaceId, member.workspaceId)),
      );

    expect((await validateApiToken(database.db, token))?.role).toBe('viewer');
  });

  it('records lastUsedAt on use, at most once a minute', async () => {
    const member = await addMember();
    const created = new Date('2030-03-01T00:00:00.000Z');
    const { token, row } = await createApiToken(database.db, {
      ...member,
      name: 'Usage',
      expiresInDays: 30,
      now: created,
    });
    expect((await tokenRow(row.id))?.lastUsedAt).toBeNull();

    const firstUse = new Date(created.getTime() + 5 * 60_000);
    await validateApiToken(database.db, token, firstUse);
    expect((await tokenRow(row.id))?.lastUsedAt).toEqual(firstUse);

    await validateApiToken(database.db, token, new Date(firstUse.getTime() + 30_000));
    expect((await tokenRow(row.id))?.lastUsedAt).toEqual(firstUse);

    const laterUse = new Date(firstUse.getTime() + 10 * 60_000);
    await validateApiToken(database.db, token, laterUse);
    expect((await tokenRow(row.id))?.lastUsedAt).toEqual(laterUse);
  });

  it('does not record a use for a refused token', async () => {
    const member = await addMember();
    const { token, row } = await createApiToken(database.db, {
      ...member,
      name: 'Unused',
      expiresInDays: 30,
    });
    const { id, secret } = partsOf(token);

    await validateApiToken(
      database.db,
      `qry_${id}_${secret.slice(0, -1)}${secret.at(-1) === 'a' ? 'b' : 'a'}`,
    );

    expect((await tokenRow(row.id))?.lastUsedAt).toBeNull();
  });
});
