import { verifyDecoyPassword, verifyPassword } from '@quarry/auth';
import { err, type Me, ok, type Result, type SignInInput } from '@quarry/contracts';
import { writeAuditEvent } from '@quarry/db/audit';
import { users, workspaceMembers, workspaces } from '@quarry/db/schema';
import { eq, isNull, sql } from 'drizzle-orm';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { passwordSignInAllowed } from '../../sso/password-sign-in-allowed';
import { invalidCredentials } from '../errors';
import { activeMemberships } from './memberships';
import { openSession, type SignedIn } from './open-session';
import { rateLimited, releaseAttempt, reserveAttempt, signInCounters } from './rate-limit';

/**
 * Email and password sign-in. An unknown email, a wrong password and an account with no active
 * membership answer the same, after the same argon2 work (AUTH-6). The attempt is charged to the
 * account's and the IP's counters before the password is looked at (AUTH-7).
 *
 * AUTH-9: a session acts in exactly one workspace. Someone in several names it (`workspaceId`);
 * without it, and only once the password is right, they are told to choose, with the choices.
 * Success makes a brand-new session (AUTH-3) and ends the one the request came with, if any.
 */
export async function signIn(
  deps: Deps,
  input: SignInInput,
  request: RequestInfo & { previousSessionId: string | null },
): Promise<Result<SignedIn>> {
  const now = deps.now();
  const counters = signInCounters({ email: input.email, ip: request.ip });
  const audit = (entry: {
    workspaceId: string | null;
    actorId: string | null;
    outcome: 'success' | 'failure' | 'refused';
    reason?: string;
  }) =>
    deps.db.transaction((tx) =>
      writeAuditEvent(
        tx,
        {
          workspaceId: entry.workspaceId,
          actorId: entry.actorId,
          action: 'auth.sign_in',
          outcome: entry.outcome,
          ip: request.ip,
          requestId: request.requestId,
          details: { method: 'password', ...(entry.reason ? { reason: entry.reason } : {}) },
        },
        now,
      ),
    );

  const reservation = await reserveAttempt(deps.db, counters, now);
  if (!reservation.allowed) {
    await audit({ workspaceId: null, actorId: null, outcome: 'refused', reason: 'rate_limited' });
    return err(rateLimited(reservation.retryAfterMs));
  }
  const [user] = await deps.db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${input.email}`)
    .limit(1);
  const passwordOk =
    user?.passwordHash != null
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyDecoyPassword(input.password);
  const memberships = user ? await activeMemberships(deps, user.id) : [];
  // Only the workspaces that take a password from this person: one that requires SSO takes it from
  // its Admins only. With none, everything is as for a wrong password (the answer, the counter and
  // the audit entry), so a right password is never confirmed (AUTH-6), not even to the Admin who
  // reads the audit log.
  const open = passwordOk
    ? memberships.filter((m) => passwordSignInAllowed({ role: m.role, ssoRequired: m.workspace.ssoRequired }))
    : [];
  if (!user || open.length === 0) {
    await audit({
      workspaceId: memberships.length === 1 ? (memberships[0]?.workspace.id ?? null) : null,
      actorId: user?.id ?? null,
      outcome: 'failure',
    });
    return err(invalidCredentials());
  }

  // The password is right and opens at least one workspace: from here on the answers may say so.
  await releaseAttempt(deps.db, counters);
  const membership = input.workspaceId
    ? open.find((m) => m.workspace.id === input.workspaceId)
    : open.length === 1
      ? open[0]
      : undefined;
  if (!membership) {
    return err({
      code: 'auth.workspace_required',
      message: input.workspaceId
        ? 'You cannot sign in to that workspace with a password'
        : 'You belong to several workspaces',
      hint: 'Choose the workspace to sign in to',
      choices: open.map((m) => ({ id: m.workspace.id, name: m.workspace.name })),
    });
  }
  const signedIn = await deps.db.transaction(async (tx) => {
    const opened = await openSession(tx, {
      user,
      workspace: membership.workspace,
      role: membership.role,
      request,
      now,
    });
    await writeAuditEvent(
      tx,
      {
        workspaceId: membership.workspace.id,
        actorId: user.id,
        action: 'auth.sign_in',
        outcome: 'success',
        ip: request.ip,
        requestId: request.requestId,
        details: { method: 'password' },
      },
      now,
    );
    return opened;
  });
  return ok(signedIn);
}

export async function loadMe(deps: Deps, actor: { userId: string; workspaceId: string }): Promise<Me | null> {
  const [row] = await deps.db
    .select({ user: users, workspace: workspaces, role: workspaceMembers.role })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(
      sql`${workspaceMembers.userId} = ${actor.userId} and ${workspaceMembers.workspaceId} = ${actor.workspaceId} and ${isNull(workspaceMembers.deactivatedAt)}`,
    );
  if (!row) return null;
  return {
    userId: row.user.id,
    email: row.user.email,
    name: row.user.name,
    workspace: { id: row.workspace.id, name: row.workspace.name, role: row.role },
  };
}
