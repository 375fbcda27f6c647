import { createSession, hashPassword, revokeUserCredentials, verifyPassword } from '@quarry/auth';
import { ChangePasswordInput, RevokeSessionInput, SessionSummary } from '@quarry/contracts';
import { sessions, users } from '@quarry/db/schema';
import type { TRPCRouterRecord } from '@trpc/server';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { passwordRequired } from '../auth/errors';
import { rateLimited, releaseAttempt, reserveAttempt, signInCounters } from '../auth/rate-limit';
import { clearSessionCookie, serializeSessionCookie } from '../auth/session-cookie';
import { notFound, QuarryTRPCError } from '../errors';
import { auditChange } from '../service-context';
import { type Actor, authedProcedure } from '../trpc';

const currentSessionId = (actor: Actor) => (actor.via.kind === 'session' ? actor.via.sessionId : null);

/**
 * "My sessions": see where I am signed in, end one, or end all of them. Only from a signed-in
 * session (`session:browser`): an API token manages neither sessions nor the password.
 */
export const sessionsRouter = {
  list: authedProcedure
    .meta({ permission: 'session:browser' })
    .output(z.array(SessionSummary))
    .query(async ({ ctx }) => {
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
    }),

  revoke: authedProcedure
    .meta({ permission: 'session:browser' })
    .input(RevokeSessionInput)
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
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
      if (!done) throw new QuarryTRPCError(notFound('session'));
      if (input.sessionId === currentSessionId(actor)) {
        ctx.resHeaders.append('set-cookie', clearSessionCookie(ctx.deps.secureCookies));
      }
      return { revoked: true as const };
    }),

  signOutEverywhere: authedProcedure
    .meta({ permission: 'session:browser' })
    .output(z.object({ ended: z.number() }))
    .mutation(async ({ ctx }) => {
      const { actor } = ctx;
      const ended = await ctx.deps.db.transaction(async (tx) => {
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
      ctx.resHeaders.append('set-cookie', clearSessionCookie(ctx.deps.secureCookies));
      return { ended };
    }),

  /**
   * AUTH-3: a new password ends every session and revokes every token of the user; this browser
   * gets a fresh session so the person stays signed in here.
   */
  changePassword: authedProcedure
    .meta({ permission: 'session:browser' })
    .input(ChangePasswordInput)
    .output(z.object({ changed: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const { actor } = ctx;
      // The password is the account's, good in every workspace; a session made by one workspace's
      // single sign-on vouches for the person there only (OIDC-5), so it cannot change it.
      if (actor.via.kind !== 'session' || actor.via.authMethod !== 'password') {
        throw new QuarryTRPCError(passwordRequired());
      }
      const [user] = await ctx.deps.db.select().from(users).where(eq(users.id, actor.userId));
      if (!user) throw new QuarryTRPCError(notFound('user'));
      // AUTH-7: charged before it runs, to the same counters as sign-in, so a session adds no
      // guesses to what the sign-in page allows.
      const counters = signInCounters({ email: user.email, ip: ctx.request.ip });
      const reservation = await reserveAttempt(ctx.deps.db, counters, ctx.deps.now());
      if (!reservation.allowed) {
        throw new QuarryTRPCError({
          ...rateLimited(reservation.retryAfterMs),
          message: 'Too many attempts at the current password',
        });
      }
      if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
        throw new QuarryTRPCError({
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
      ctx.resHeaders.append(
        'set-cookie',
        serializeSessionCookie({ ...session, secure: ctx.deps.secureCookies }),
      );
      return { changed: true as const };
    }),
} satisfies TRPCRouterRecord;
