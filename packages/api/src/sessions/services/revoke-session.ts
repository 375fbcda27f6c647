import { err, ok, type Result } from '@quarry/contracts';
import { sessions } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { currentSessionId } from './current-session';

/** Ends one of the caller's sessions; says whether it was the one making this request. */
export async function revokeSession(
  ctx: ServiceContext,
  input: { sessionId: string },
): Promise<Result<{ wasCurrent: boolean }>> {
  const { actor } = ctx;
  const done = await ctx.deps.db.transaction(async (tx) => {
    // Only this workspace's sessions: the same person's sessions elsewhere are not this one's
    // to end (AUTH-9), and `sessions.list` shows only these.
    const rows = await tx
      .delete(sessions)
      .where(
        and(
          eq(sessions.id, input.sessionId),
          eq(sessions.userId, actor.userId),
          eq(sessions.workspaceId, actor.workspaceId),
        ),
      )
      .returning({ id: sessions.id });
    if (rows.length) {
      await auditChange(tx, ctx, {
        action: 'auth.session_revoke',
        target: { type: 'session', id: input.sessionId },
      });
    }
    return rows.length > 0;
  });
  if (!done) return err(notFound('session'));
  return ok({ wasCurrent: input.sessionId === currentSessionId(actor) });
}
