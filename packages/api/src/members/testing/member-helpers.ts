import { createApiToken, createSession, hashPassword } from '@quarry/auth';
import type { WorkspaceRole } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { auditEvents, workspaceMembers } from '@quarry/db/schema';
import { addWorkspaceMember, createWorkspace, joinWorkspace } from '@quarry/db/testing';
import { TRPCError } from '@trpc/server';
import { and, desc, eq } from 'drizzle-orm';
import { sessionCookieName } from '../../auth/session-cookie';
import { QuarryTRPCError } from '../../errors';
import type { ApiHarness } from '../../testing/harness';

export type Refusal = { code: string; quarry: string | undefined; message: string };

/** The error a call was refused with; fails the test if the call succeeded. */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return {
      code: error.code,
      quarry: error instanceof QuarryTRPCError ? error.quarry.code : undefined,
      message: error.message,
    };
  }
  throw new Error('expected a refusal, the call succeeded');
}

export type TestMember = { id: string; email: string; password: string; workspaceId: string };

/**
 * A fresh member of `workspaceId` with a password of their own, so tests that deactivate, remove or
 * demote someone leave the harness's fixture members alone.
 */
export async function addMember(
  h: ApiHarness,
  input: { workspaceId: string; role: WorkspaceRole; name?: string },
): Promise<TestMember> {
  const password = `password for ${newId('user')}`;
  const member = await addWorkspaceMember(h.database.db, {
    workspaceId: input.workspaceId,
    role: input.role,
    ...(input.name ? { name: input.name } : {}),
    passwordHash: await hashPassword(password),
  });
  return { id: member.id, email: member.email, password, workspaceId: input.workspaceId };
}

/** A caller signed in as `member` through a session cookie, and the cookie itself. */
export async function signedIn(h: ApiHarness, member: { id: string; workspaceId: string }) {
  const { token } = await createSession(h.database.db, {
    userId: member.id,
    workspaceId: member.workspaceId,
  });
  const cookie = `${sessionCookieName(false)}=${token}`;
  return { caller: (await h.callerWithHeaders(new Headers({ cookie }))).caller, cookie };
}

/** A caller acting through a personal API token of `member`, and the token. */
export async function withToken(h: ApiHarness, member: { id: string; workspaceId: string }) {
  const { token } = await createApiToken(h.database.db, {
    userId: member.id,
    workspaceId: member.workspaceId,
    name: 'test',
    expiresInDays: 1,
  });
  return {
    caller: (await h.callerWithHeaders(new Headers({ authorization: `Bearer ${token}` }))).caller,
    token,
  };
}

/** A new caller presenting the same cookie or token again, as the next request would. */
export async function again(h: ApiHarness, credential: { cookie: string } | { token: string }) {
  const headers =
    'cookie' in credential
      ? new Headers({ cookie: credential.cookie })
      : new Headers({ authorization: `Bearer ${credential.token}` });
  return (await h.callerWithHeaders(headers)).caller;
}

/** The newest audit entries of a workspace for one action and target. */
export async function auditEntries(
  h: ApiHarness,
  input: { workspaceId: string; action: string; targetId?: string },
) {
  const rows = await h.database.db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.chain, input.workspaceId),
        eq(auditEvents.action, input.action),
        ...(input.targetId ? [eq(auditEvents.targetId, input.targetId)] : []),
      ),
    )
    .orderBy(desc(auditEvents.seq));
  return rows;
}

export async function membership(h: ApiHarness, member: { id: string; workspaceId: string }) {
  const [row] = await h.database.db
    .select()
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, member.workspaceId), eq(workspaceMembers.userId, member.id)));
  return row ?? null;
}

/** An empty workspace of its own, for rules about "the last Admin" that A and B must not disturb. */
export function newWorkspace(h: ApiHarness, name = 'Scratch workspace'): Promise<string> {
  return createWorkspace(h.database.db, { name });
}

/** An existing account (a member elsewhere) joining `workspaceId` too, with `role`. */
export async function alsoMemberOf(
  h: ApiHarness,
  member: { id: string },
  input: { workspaceId: string; role: WorkspaceRole },
): Promise<void> {
  await joinWorkspace(h.database.db, { ...input, userId: member.id });
}
