import { createSession, verifyDecoyPassword, verifyPassword } from '@quarry/auth';
import { err, type Me, ok, type Result, type SignInInput, type WorkspaceRole } from '@quarry/contracts';
import { writeAuditEvent } from '@quarry/db/audit';
import { users, workspaceMembers, workspaces } from '@quarry/db/schema';
import { desc, eq, isNull, sql } from 'drizzle-orm';
import type { RequestInfo } from '../context';
import type { Deps } from '../deps';
import { passwordSignInAllowed } from '../sso/password-sign-in-allowed';
import { clearAccountFailures, recordSignInFailure, signInThrottle } from './rate-limit';

const WRONG = {
  code: 'auth.invalid_credentials',
  message: 'The email or password is not right',
  hint: 'Check both and try again',
} as const;

/**
 * Email and password sign-in. An unknown email, a wrong password and a deactivated account answer
 * the same, after the same argon2 work (AUTH-6). Success makes a brand-new session (AUTH-3).
 */
export async function signIn(
  deps: Deps,
  input: SignInInput,
  request: RequestInfo,
): Promise<Result<{ me: Me; token: string; expiresAt: Date }>> {
  const now = deps.now();
  const throttle = await signInThrottle(deps.db, { email: input.email, ip: request.ip }, now);
  if (!throttle.allowed) {
    await deps.db.transaction((tx) =>
      writeAuditEvent(
        tx,
        {
          workspaceId: null,
          actorId: null,
          action: 'auth.sign_in',
          outcome: 'refused',
          ip: request.ip,
          requestId: request.requestId,
          details: { method: 'password', reason: 'rate_limited' },
        },
        now,
      ),
    );
    const minutes = Math.max(1, Math.ceil(throttle.retryAfterMs / 60_000));
    return err({
      code: 'auth.rate_limited',
      message: 'Too many sign-in attempts',
      hint: `Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again`,
    });
  }
  const [user] = await deps.db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${input.email}`)
    .limit(1);
  const [membership] = user
    ? await deps.db
        .select({ workspace: workspaces, role: workspaceMembers.role })
        .from(workspaceMembers)
        .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
        .where(eq(workspaceMembers.userId, user.id))
        .orderBy(desc(workspaceMembers.createdAt))
        .limit(1)
    : [];
  const passwordOk =
    user?.passwordHash != null
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyDecoyPassword(input.password);
  const audit = {
    workspaceId: membership?.workspace.id ?? null,
    actorId: user?.id ?? null,
    action: 'auth.sign_in',
    ip: request.ip,
    requestId: request.requestId,
  };
  if (!user || !passwordOk || user.deactivatedAt || !membership) {
    await recordSignInFailure(deps.db, { email: input.email, ip: request.ip }, now);
    await deps.db.transaction((tx) =>
      writeAuditEvent(tx, { ...audit, outcome: 'failure', details: { method: 'password' } }, now),
    );
    return err(WRONG);
  }
  // A workspace that requires SSO refuses passwords for everyone but Admins; the answer is the same
  // as a wrong password, so a correct password is never confirmed (AUTH-6).
  if (
    !passwordSignInAllowed({
      role: membership.role as WorkspaceRole,
      ssoRequired: membership.workspace.ssoRequired,
    })
  ) {
    await deps.db.transaction((tx) =>
      writeAuditEvent(
        tx,
        { ...audit, outcome: 'refused', details: { method: 'password', reason: 'sso_required' } },
        now,
      ),
    );
    return err(WRONG);
  }
  await clearAccountFailures(deps.db, input.email);
  const session = await deps.db.transaction(async (tx) => {
    const created = await createSession(tx, {
      userId: user.id,
      workspaceId: membership.workspace.id,
      ip: request.ip,
      userAgent: request.userAgent,
      now,
    });
    await writeAuditEvent(tx, { ...audit, outcome: 'success', details: { method: 'password' } }, now);
    return created;
  });
  return ok({
    token: session.token,
    expiresAt: session.expiresAt,
    me: {
      userId: user.id,
      email: user.email,
      name: user.name,
      workspace: { id: membership.workspace.id, name: membership.workspace.name, role: membership.role },
    },
  });
}

export async function loadMe(deps: Deps, actor: { userId: string; workspaceId: string }): Promise<Me | null> {
  const [row] = await deps.db
    .select({ user: users, workspace: workspaces, role: workspaceMembers.role })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(
      sql`${workspaceMembers.userId} = ${actor.userId} and ${workspaceMembers.workspaceId} = ${actor.workspaceId} and ${isNull(users.deactivatedAt)}`,
    );
  if (!row) return null;
  return {
    userId: row.user.id,
    email: row.user.email,
    name: row.user.name,
    workspace: { id: row.workspace.id, name: row.workspace.name, role: row.role },
  };
}
