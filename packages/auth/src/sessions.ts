import type { WorkspaceRole } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { sessions, workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { generateSecretToken, hashSecret, secretMatches } from './secret-token';

const HOUR = 60 * 60 * 1000;
/** AUTH-2: a session ends after 3 idle days, and 30 days after sign-in whatever happens. */
export const SESSION_IDLE_MS = 72 * HOUR;
export const SESSION_ABSOLUTE_MS = 30 * 24 * HOUR;
/** Extending on every request would write on every request; an hour's granularity is plenty. */
const EXTEND_AFTER_MS = HOUR;

/** `password`: the account's own password (good in all its workspaces); `sso`: one workspace's provider. */
export type SessionAuthMethod = 'password' | 'sso';

export type SessionActor = {
  sessionId: string;
  userId: string;
  workspaceId: string;
  role: WorkspaceRole;
  authMethod: SessionAuthMethod;
};

export async function createSession(
  db: Db,
  input: {
    userId: string;
    workspaceId: string;
    /** Defaults to `password`; the SSO callback says `sso`. */
    authMethod?: SessionAuthMethod;
    ip?: string | null;
    userAgent?: string | null;
    now?: Date;
  },
): Promise<{ token: string; expiresAt: Date }> {
  const now = input.now ?? new Date();
  const { id, secret } = generateSecretToken();
  const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
  await db.insert(sessions).values({
    id,
    secretHash: hashSecret(secret),
    userId: input.userId,
    workspaceId: input.workspaceId,
    authMethod: input.authMethod ?? 'password',
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    absoluteExpiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
  });
  return { token: `${id}.${secret}`, expiresAt };
}

/**
 * Resolves a cookie's token to its session, or null when it is unknown, expired (idle or absolute),
 * the membership is deactivated or gone. Slides the idle expiry forward.
 */
export async function validateSessionToken(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<(SessionActor & { expiresAt: Date }) | null> {
  const [id, secret, extra] = token.split('.');
  if (!id || !secret || extra !== undefined) return null;
  const rows = await db
    .select({
      session: sessions,
      deactivatedAt: workspaceMembers.deactivatedAt,
      role: workspaceMembers.role,
    })
    .from(sessions)
    .leftJoin(
      workspaceMembers,
      and(
        eq(workspaceMembers.userId, sessions.userId),
        eq(workspaceMembers.workspaceId, sessions.workspaceId),
      ),
    )
    .where(eq(sessions.id, id))
    .limit(1);
  const row = rows[0];
  if (!row || !secretMatches(secret, row.session.secretHash)) return null;
  const { session } = row;
  const expired = now >= session.expiresAt || now >= session.absoluteExpiresAt;
  if (expired || row.deactivatedAt || !row.role) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  let expiresAt = session.expiresAt;
  if (now.getTime() - session.lastSeenAt.getTime() > EXTEND_AFTER_MS) {
    expiresAt = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, session.absoluteExpiresAt.getTime()));
    await db.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.id, id));
  }
  return {
    sessionId: id,
    userId: session.userId,
    workspaceId: session.workspaceId,
    role: row.role,
    authMethod: session.authMethod,
    expiresAt,
  };
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}
