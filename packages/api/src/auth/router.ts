import { Me, SignInInput, SwitchWorkspaceInput, WorkspaceChoice } from '@quarry/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { notFound, unwrapOrThrow } from '../errors';
import { authedProcedure, publicProcedure } from '../trpc';
import { activeMemberships } from './memberships';
import { clearSessionCookie, serializeSessionCookie } from './session-cookie';
import { loadMe, signIn } from './sign-in-service';
import { signOut } from './sign-out';
import { switchWorkspace } from './switch-workspace';

export const authRouter = {
  signIn: publicProcedure
    .meta({ permission: 'public' })
    .input(SignInInput)
    .output(Me)
    .mutation(async ({ ctx, input }) => {
      const previousSessionId = ctx.caller.kind === 'session' ? ctx.caller.session.sessionId : null;
      const { me, token, expiresAt } = unwrapOrThrow(
        await signIn(ctx.deps, input, { ...ctx.request, previousSessionId }),
      );
      ctx.resHeaders.append(
        'set-cookie',
        serializeSessionCookie({ token, expiresAt, secure: ctx.deps.secureCookies }),
      );
      return me;
    }),

  signOut: authedProcedure
    .meta({ permission: 'session:self' })
    .output(z.object({ signedOut: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await signOut(ctx);
      ctx.resHeaders.append('set-cookie', clearSessionCookie(ctx.deps.secureCookies));
      return { signedOut: true as const };
    }),

  me: authedProcedure
    .meta({ permission: 'session:self' })
    .output(Me)
    .query(async ({ ctx }) => {
      const me = await loadMe(ctx.deps, ctx.actor);
      if (!me) return unwrapOrThrow({ ok: false, error: notFound('user') });
      return me;
    }),

  /**
   * The caller's workspaces, for the switcher; the current one is marked. A session made by this
   * workspace's single sign-on vouches for the person here only, so it learns of no other.
   */
  workspaces: authedProcedure
    .meta({ permission: 'session:browser' })
    .output(z.array(WorkspaceChoice))
    .query(async ({ ctx }) => {
      const { actor } = ctx;
      const everywhere = actor.via.kind === 'session' && actor.via.authMethod === 'password';
      return (await activeMemberships(ctx.deps, actor.userId))
        .filter((m) => everywhere || m.workspace.id === actor.workspaceId)
        .map((m) => ({
          id: m.workspace.id,
          name: m.workspace.name,
          role: m.role,
          current: m.workspace.id === actor.workspaceId,
        }));
    }),

  /** Ends this session and opens one in another of the caller's workspaces (AUTH-9). */
  switchWorkspace: authedProcedure
    .meta({ permission: 'session:browser' })
    .input(SwitchWorkspaceInput)
    .output(Me)
    .mutation(async ({ ctx, input }) => {
      const { me, token, expiresAt } = unwrapOrThrow(await switchWorkspace(ctx, input));
      ctx.resHeaders.append(
        'set-cookie',
        serializeSessionCookie({ token, expiresAt, secure: ctx.deps.secureCookies }),
      );
      return me;
    }),
} satisfies TRPCRouterRecord;
