import type { SessionSummary } from '@quarry/contracts';
import { sessions } from '@quarry/db/schema';
import { and, desc, eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import { currentSessionId } from './current-session';

/** The caller's live sessions in this workspace, most recently used first; the current one marked. */
export async function listSessions(ctx: ServiceContext): Promise<SessionSummary[]> {
  const rows = await ctx.deps.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, ctx.actor.userId), eq(sessions.workspaceId, ctx.actor.workspaceId)))
    .orderBy(desc(sessions.lastSeenAt));
  const now = ctx.deps.now();
  return rows
    .filter((r) => r.expiresAt > now && r.absoluteExpiresAt > now)
    .map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      expiresAt: r.expiresAt,
      ip: r.ip,
      userAgent: r.userAgent,
      current: r.id === currentSessionId(ctx.actor),
    }));
}
