import { apiTokens, sessions } from '@quarry/db/schema';
import {
  addWorkspaceMember,
  createTestDatabase,
  createWorkspace,
  joinWorkspace,
  type TestDatabase,
} from '@quarry/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, validateApiToken } from './api-tokens';
import { revokeUserCredentials } from './revoke-user-credentials';
import { createSession, validateSessionToken } from './sessions';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

const workspace = () => createWorkspace(database.db);

/** A user who belongs to every workspace given, with a session and a token in each. */
async function userIn(workspaceIds: [string, ...string[]]) {
  const [first, ...others] = workspaceIds;
  const { id: userId } = await addWorkspaceMember(database.db, { workspaceId: first, role: 'editor' });
  for (const workspaceId of others) await joinWorkspace(database.db, { workspaceId, role: 'editor', userId });
  const held: Array<{ workspaceId: string; session: string; token: string }> = [];
  for (const workspaceId of workspaceIds) {
    const { token: session } = await createSession(database.db, { userId, workspaceId });
    const { token } = await createApiToken(database.db, { userId, workspaceId, name: 't', expiresInDays: 1 });
    held.push({ workspaceId, session, token });
  }
  return { userId, held };
}

describe('revokeUserCredentials', () => {
  it('ends every session and revokes every live token of the user, and says how many', async () => {
    const [first, second] = [await workspace(), await workspace()];
    const { userId, held } = await userIn([first, second]);
    const bystander = await userIn([first]);
    const now = new Date('2030-01-01T00:00:00.000Z');

    expect(await revokeUserCredentials(database.db, { userId, now })).toEqual({ sessions: 2, tokens: 2 });

    for (const { session, token } of held) {
      expect(await validateSessionToken(database.db, session)).toBeNull();
      expect(await validateApiToken(database.db, token)).toBeNull();
    }
    const tokens = await database.db.select().from(apiTokens).where(eq(apiTokens.userId, userId));
    expect(tokens.map((t) => t.revokedAt)).toEqual([now, now]);
    const [kept] = bystander.held;
    expect(await validateSessionToken(database.db, kept?.session ?? '')).not.toBeNull();
    expect(await validateApiToken(database.db, kept?.token ?? '')).not.toBeNull();
    // Already revoked tokens are not counted, or re-dated, a second time.
    expect(await revokeUserCredentials(database.db, { userId, now: new Date() })).toEqual({
      sessions: 0,
      tokens: 0,
    });
    expect(
      (await database.db.select().from(apiTokens).where(eq(apiTokens.userId, userId))).map(
        (t) => t.revokedAt,
      ),
    ).toEqual([now, now]);
  });

  it('keeps to one workspace when given one', async () => {
    const [first, second] = [await workspace(), await workspace()];
    const { userId, held } = await userIn([first, second]);
    const [inFirst, inSecond] = held;

    expect(await revokeUserCredentials(database.db, { userId, workspaceId: first, now: new Date() })).toEqual(
      {
        sessions: 1,
        tokens: 1,
      },
    );

    expect(await validateSessionToken(database.db, inFirst?.session ?? '')).toBeNull();
    expect(await validateApiToken(database.db, inFirst?.token ?? '')).toBeNull();
    expect((await validateSessionToken(database.db, inSecond?.session ?? ''))?.workspaceId).toBe(second);
    expect((await validateApiToken(database.db, inSecond?.token ?? ''))?.workspaceId).toBe(second);
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, userId))).toHaveLength(1);
  });
});
