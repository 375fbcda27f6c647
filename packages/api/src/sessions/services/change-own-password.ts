import { createSession, hashPassword, revokeUserCredentials, verifyPassword } from '@quarry/auth';
import { type ChangePasswordInput, err, ok, type Result } from '@quarry/contracts';
import { users } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { passwordRequired } from '../../auth/errors';
import { rateLimited, releaseAttempt, reserveAttempt, signInCounters } from '../../auth/services/rate-limit';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';

/**
 * AUTH-3: a new password ends every session and revokes every token of the user; the caller gets
 * a fresh session (returned for the cookie) so the person stays signed in here.
 */
export async function changeOwnPassword(
  ctx: ServiceContext,
  input: ChangePasswordInput,
): Promise<Result<{ token: string; expiresAt: Date }>> {
  const { actor } = ctx;
  // The password is the account's, good in every workspace; a session made by one workspace's
  // single sign-on vouches for the person there only (OIDC-5), so it cannot change it.
  if (actor.via.kind !== 'session' || actor.via.authMethod !== 'password') return err(passwordRequired());
  const [user] = await ctx.deps.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user) return err(notFound('user'));
  // AUTH-7: charged before it runs, to the same counters as sign-in, so a session adds no
  // guesses to what the sign-in page allows.
  const counters = signInCounters({ email: user.email, ip: ctx.request.ip });
  const reservation = await reserveAttempt(ctx.deps.db, counters, ctx.deps.now());
  if (!reservation.allowed) {
    return err({
      ...rateLimited(reservation.retryAfterMs),
      message: 'Too many attempts at the current password',
    });
  }
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    return err({
      code: 'auth.invalid_credentials',
      message: 'The current password is not right',
      hint: 'Enter the password you sign in with now',
    });
  }
  await releaseAttempt(ctx.deps.db, counters);
  const passwordHash = await hashPassword(input.newPassword);
  const now = ctx.deps.now();
  const session = await ctx.deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, actor.userId));
    await revokeUserCredentials(tx, { userId: actor.userId, now });
    await auditChange(
      tx,
      ctx,
      { action: 'auth.password_change', target: { type: 'user', id: actor.userId } },
      now,
    );
    return createSession(tx, {
      userId: actor.userId,
      workspaceId: actor.workspaceId,
      ip: ctx.request.ip,
      userAgent: ctx.request.userAgent,
      now,
    });
  });
  return ok(session);
}
