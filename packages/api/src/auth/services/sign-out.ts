import { invalidateSession } from '@quarry/auth';
import { auditChange, type ServiceContext } from '../../service-context';

/** Ends the caller's session (a token has none to end) and audits the sign-out. */
export async function endSession(ctx: ServiceContext): Promise<void> {
  const { actor } = ctx;
  await ctx.deps.db.transaction(async (tx) => {
    if (actor.via.kind === 'session') await invalidateSession(tx, actor.via.sessionId);
    await auditChange(tx, ctx, { action: 'auth.sign_out' });
  });
}
