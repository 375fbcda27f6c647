import { err, ok, type Result } from '@quarry/contracts';
import { users } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { passwordSignInAllowed } from '../../sso/password-sign-in-allowed';
import { passwordRequired } from '../errors';
import { activeMemberships } from './memberships';
import { openSession, type SignedIn } from './open-session';

/**
 * AUTH-9: a session acts in one workspace. Moving to another of the person's workspaces ends this
 * session and opens a new one there, as a sign-in would; a workspace that requires SSO is entered
 * through its identity provider, not from a session made elsewhere.
 */
export async function switchWorkspace(
  ctx: ServiceContext,
  input: { workspaceId: string },
): Promise<Result<SignedIn>> {
  const { actor } = ctx;
  if (actor.via.kind !== 'session') return err(notFound('session'));
  const sessionId = actor.via.sessionId;
  // OIDC-5: a workspace's identity provider vouches for the person in that workspace only (its
  // Admin can make it assert anyone), so only the account's own password opens the others.
  if (actor.via.authMethod !== 'password') return err(passwordRequired());
  const memberships = await activeMemberships(ctx.deps, actor.userId);
  const target = memberships.find((m) => m.workspace.id === input.workspaceId);
  if (!target) return err(notFound('workspace'));
  if (!passwordSignInAllowed({ role: target.role, ssoRequired: target.workspace.ssoRequired })) {
    return err({
      code: 'auth.sso_required',
      message: `${target.workspace.name} requires single sign-on`,
      hint: 'Sign out, then sign in to it with its identity provider',
    });
  }
  const [user] = await ctx.deps.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user) return err(notFound('user'));
  const now = ctx.deps.now();
  const signedIn = await ctx.deps.db.transaction(async (tx) => {
    const opened = await openSession(tx, {
      user,
      workspace: target.workspace,
      role: target.role,
      request: { ...ctx.request, previousSessionId: sessionId },
      now,
    });
    // Written into the chain of the workspace entered, by the person entering it.
    await auditChange(
      tx,
      { ...ctx, actor: { ...actor, workspaceId: target.workspace.id } },
      { action: 'auth.workspace_switch', details: { from: actor.workspaceId } },
      now,
    );
    return opened;
  });
  return ok(signedIn);
}
