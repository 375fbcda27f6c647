import { API_TOKEN_DAY_MS, type WorkspaceRole } from '@quarry/contracts';
import { type Db, preparedQuery } from '@quarry/db';
import { apiTokens, workspaceMembers } from '@quarry/db/schema';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { generateSecretToken, hashSecret, secretMatches } from './secret-token';

/** `qry_<id>_<secret>`: the prefix makes a leaked token easy to recognise in logs and scanners. */
const TOKEN_PATTERN = /^qry_([a-z2-7]{16})_([a-z2-7]{52})$/;
const TOUCH_AFTER_MS = 60_000;

export type TokenActor = { tokenId: string; userId: string; workspaceId: string; role: WorkspaceRole };

export async function createApiToken(
  db: Db,
  input: { userId: string; workspaceId: string; name: string; expiresInDays: number; now?: Date },
) {
  const now = input.now ?? new Date();
  const { id, secret } = generateSecretToken();
  const token = `qry_${id}_${secret}`;
  const [row] = await db
    .insert(apiTokens)
    .values({
      id: `tok_${id}`,
      workspaceId: input.workspaceId,
      userId: input.userId,
      name: input.name,
      prefix: token.slice(0, 12),
      secretHash: hashSecret(secret),
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.expiresInDays * API_TOKEN_DAY_MS),
    })
    .returning();
  if (!row) throw new Error('api token insert returned no row');
  return { token, row };
}

/** A live (unrevoked) token by id, with its owner's membership in the token's workspace. */
const tokenWithRole = preparedQuery('api_token_with_role', (db) =>
  db
    .select({ token: apiTokens, role: workspaceMembers.role, deactivatedAt: workspaceMembers.deactivatedAt })
    .from(apiTokens)
    .leftJoin(
      workspaceMembers,
      and(
        eq(workspaceMembers.userId, apiTokens.userId),
        eq(workspaceMembers.workspaceId, apiTokens.workspaceId),
      ),
    )
    .where(and(eq(apiTokens.id, sql.placeholder('tokenId')), isNull(apiTokens.revokedAt)))
    .limit(1),
);

/** A token acts with its owner's current role, never more: the role is read now, not at creation. */
export async function validateApiToken(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<TokenActor | null> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match?.[1] || !match[2]) return null;
  const tokenId = `tok_${match[1]}`;
  const [row] = await tokenWithRole(db).execute({ tokenId });
  if (!row || !secretMatches(match[2], row.token.secretHash)) return null;
  if (now >= row.token.expiresAt || row.deactivatedAt || !row.role) return null;
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > TOUCH_AFTER_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, tokenId));
  }
  return { tokenId, userId: row.token.userId, workspaceId: row.token.workspaceId, role: row.role };
}
