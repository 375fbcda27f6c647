import type { Db } from '@quarry/db';
import { apiTokens, sessions } from '@quarry/db/schema';
import { and, eq, isNull, type SQL } from 'drizzle-orm';

/**
 * Whose credentials to end: every one of the user's, or only those acting in one workspace
 * (sessions and API tokens each belong to exactly one workspace).
 */
export type CredentialScope = { userId: string; workspaceId?: string };

/** Ends the user's sessions (in the scope) at once; returns how many there were. */
export async function revokeUserSessions(db: Db, scope: CredentialScope): Promise<number> {
  const where: SQL[] = [eq(sessions.userId, scope.userId)];
  if (scope.workspaceId) where.push(eq(sessions.workspaceId, scope.workspaceId));
  const deleted = await db
    .delete(sessions)
    .where(and(...where))
    .returning({ id: sessions.id });
  return deleted.length;
}

/** Revokes the user's live API tokens (in the scope); returns how many were live. */
export async function revokeUserApiTokens(db: Db, scope: CredentialScope & { now: Date }): Promise<number> {
  const where: SQL[] = [eq(apiTokens.userId, scope.userId), isNull(apiTokens.revokedAt)];
  if (scope.workspaceId) where.push(eq(apiTokens.workspaceId, scope.workspaceId));
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: scope.now })
    .where(and(...where))
    .returning({ id: apiTokens.id });
  return revoked.length;
}

/**
 * AUTH-3: deactivation and removal from a workspace end every session and every API token at once.
 * Call it inside the transaction that deactivates or removes the member.
 */
export async function revokeUserCredentials(
  db: Db,
  scope: CredentialScope & { now: Date },
): Promise<{ sessions: number; tokens: number }> {
  const revokedSessions = await revokeUserSessions(db, scope);
  const tokens = await revokeUserApiTokens(db, scope);
  return { sessions: revokedSessions, tokens };
}
