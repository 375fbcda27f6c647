import { createSession, invalidateSession, type SessionAuthMethod } from '@quarry/auth';
import type { Me, WorkspaceRole } from '@quarry/contracts';
import type { RequestInfo } from '../../context';
import type { Tx } from '../../service-context';

/** A new session's cookie value and who it signed in, as the procedures that set the cookie need. */
export type SignedIn = { me: Me; token: string; expiresAt: Date };

/**
 * Every way in (password, invitation, workspace switch) ends the same: the session the request came
 * with ends, so no sign-in leaves a second one behind (AUTH-3), and a new one opens in exactly one
 * workspace (AUTH-9). Call inside the transaction that writes the sign-in's audit entry.
 */
export async function openSession(
  tx: Tx,
  input: {
    user: { id: string; email: string; name: string };
    workspace: { id: string; name: string };
    role: WorkspaceRole;
    authMethod?: SessionAuthMethod;
    request: RequestInfo & { previousSessionId?: string | null };
    now: Date;
  },
): Promise<SignedIn> {
  const { user, workspace, request } = input;
  if (request.previousSessionId) await invalidateSession(tx, request.previousSessionId);
  const session = await createSession(tx, {
    userId: user.id,
    workspaceId: workspace.id,
    authMethod: input.authMethod ?? 'password',
    ip: request.ip,
    userAgent: request.userAgent,
    now: input.now,
  });
  return {
    token: session.token,
    expiresAt: session.expiresAt,
    me: {
      userId: user.id,
      email: user.email,
      name: user.name,
      workspace: { id: workspace.id, name: workspace.name, role: input.role },
    },
  };
}
