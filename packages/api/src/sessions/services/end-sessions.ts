import { sessions } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { auditChange, type ServiceContext } from '../../service-context';

/** Ends the caller's sessions (how far depends on how they signed in); returns how many ended. */
export function endSessions(ctx: ServiceContext): Promise<number> {
  const { actor } = ctx;
  return ctx.deps.db.transaction(async (tx) => {
    // Signed in with the account's password: every session of the account, in every workspace.
    // Signed in through this workspace's single sign-on, which vouches for the person here only
    // (OIDC-5): this workspace's sessions.
    const everywhere = actor.via.kind === 'session' && actor.via.authMethod === 'password';
    const rows = await tx
      .delete(sessions)
      .where(
        everywhere
          ? eq(sessions.userId, actor.userId)
          : and(eq(sessions.userId, actor.userId), eq(sessions.workspaceId, actor.workspaceId)),
      )
      .returning({ id: sessions.id });
    await auditChange(tx, ctx, {
      action: 'auth.sign_out_everywhere',
      details: { sessions: rows.length },
    });
    return rows.length;
  });
}
