import { createSession } from '@quarry/auth';
import { sessions, workspaceMembers } from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuarryTRPCError } from '../errors';
import {
  addMember,
  again,
  alsoMemberOf,
  refusal,
  signedIn,
  withToken,
} from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { sessionCookieName } from './session-cookie';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

/** Someone who is a member of A (as an Admin) and of B (as an Editor). */
async function inBoth() {
  const person = await addMember(h, { workspaceId: h.a.workspaceId, role: 'admin' });
  await alsoMemberOf(h, person, { workspaceId: h.b.workspaceId, role: 'editor' });
  return person;
}

const sessionsOf = async (userId: string) =>
  h.database.db.select().from(sessions).where(eq(sessions.userId, userId));

const cookieFrom = (headers: Headers) =>
  /quarry_session=([^;]+)/.exec(headers.get('set-cookie') ?? '')?.[1] ?? null;

describe('the workspace a password sign-in acts in (AUTH-9)', () => {
  it('makes someone in two workspaces choose, listing both only once the password is right, and opens no session', async () => {
    const person = await inBoth();
    const anonymous = await h.anonymous();

    const wrong = await refusal(anonymous.auth.signIn({ email: person.email, password: 'not it at all' }));
    expect(wrong.quarry).toBe('auth.invalid_credentials');

    const error = await anonymous.auth.signIn({ email: person.email, password: person.password }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuarryTRPCError);
    const quarry = (error as QuarryTRPCError).quarry;
    expect(quarry.code).toBe('auth.workspace_required');
    expect(quarry.choices).toEqual([
      { id: h.a.workspaceId, name: 'Workspace A' },
      { id: h.b.workspaceId, name: 'Workspace B' },
    ]);
    expect(await sessionsOf(person.id)).toEqual([]);
  });

  it('signs in to the workspace chosen, with that workspace’s role, and refuses a workspace the person is not in', async () => {
    const person = await inBoth();
    const anonymous = await h.anonymous();

    const me = await anonymous.auth.signIn({
      email: person.email,
      password: person.password,
      workspaceId: h.b.workspaceId,
    });

    expect(me.workspace).toMatchObject({ id: h.b.workspaceId, role: 'editor' });
    const [session] = await sessionsOf(person.id);
    expect(session?.workspaceId).toBe(h.b.workspaceId);
    const elsewhere = await refusal(
      anonymous.auth.signIn({ email: person.email, password: person.password, workspaceId: 'wsp_other' }),
    );
    expect(elsewhere.quarry).toBe('auth.workspace_required');
  });

  it('switches workspace by ending this session and opening one in the other, and lists both', async () => {
    const person = await inBoth();
    const here = await signedIn(h, { id: person.id, workspaceId: h.b.workspaceId });
    expect((await here.caller.auth.workspaces()).map((w) => [w.name, w.current])).toEqual([
      ['Workspace A', false],
      ['Workspace B', true],
    ]);

    const { caller, resHeaders } = await h.callerWithHeaders(new Headers({ cookie: here.cookie }));
    const me = await caller.auth.switchWorkspace({ workspaceId: h.a.workspaceId });

    expect(me.workspace).toMatchObject({ id: h.a.workspaceId, role: 'admin' });
    expect((await refusal((await again(h, here)).auth.me())).quarry).toBe('auth.signed_out');
    const token = cookieFrom(resHeaders);
    expect(token).not.toBeNull();
    const next = await again(h, { cookie: `${sessionCookieName(false)}=${token}` });
    expect((await next.auth.me()).workspace.id).toBe(h.a.workspaceId);
  });

  it('refuses a switch into a workspace the person is not an active member of', async () => {
    const member = await addMember(h, { workspaceId: h.b.workspaceId, role: 'editor' });
    const here = await signedIn(h, member);
    expect((await refusal(here.caller.auth.switchWorkspace({ workspaceId: h.a.workspaceId }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await (await again(h, here)).auth.me()).workspace.id).toBe(h.b.workspaceId);
  });
});

describe('a session made by one workspace’s single sign-on (OIDC-5)', () => {
  const ssoSession = async (person: { id: string }, workspaceId: string) => {
    const { token } = await createSession(h.database.db, {
      userId: person.id,
      workspaceId,
      authMethod: 'sso',
    });
    const cookie = `${sessionCookieName(false)}=${token}`;
    return { caller: (await h.callerWithHeaders(new Headers({ cookie }))).caller, cookie };
  };

  it('cannot switch into another workspace: only the account’s own password opens those', async () => {
    const person = await inBoth();
    const inB = await ssoSession(person, h.b.workspaceId);

    expect((await refusal(inB.caller.auth.switchWorkspace({ workspaceId: h.a.workspaceId }))).quarry).toBe(
      'auth.password_required',
    );
    expect((await (await again(h, inB)).auth.me()).workspace.id).toBe(h.b.workspaceId);
  });

  it('signs out everywhere in its own workspace only, and ends no session of another by id', async () => {
    const person = await inBoth();
    const inA = await signedIn(h, { id: person.id, workspaceId: h.a.workspaceId });
    const inB = await ssoSession(person, h.b.workspaceId);
    const [sessionA] = (await sessionsOf(person.id)).filter((s) => s.workspaceId === h.a.workspaceId);

    expect((await refusal(inB.caller.sessions.revoke({ sessionId: sessionA?.id ?? '' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await inB.caller.sessions.signOutEverywhere()).ended).toBe(1);

    expect((await (await again(h, inA)).auth.me()).workspace.id).toBe(h.a.workspaceId);
  });
});

describe("one workspace's Admin and another workspace's access (AUTH-9)", () => {
  it("lets B's Admin deactivate someone in B without ending their sessions, tokens or sign-in in A", async () => {
    const person = await inBoth();
    const inA = await signedIn(h, { id: person.id, workspaceId: h.a.workspaceId });
    const tokenA = await withToken(h, { id: person.id, workspaceId: h.a.workspaceId });
    const inB = await signedIn(h, { id: person.id, workspaceId: h.b.workspaceId });
    const adminB = await h.as(h.b, 'admin');

    await adminB.members.deactivate({ userId: person.id });

    expect((await refusal((await again(h, inB)).auth.me())).quarry).toBe('auth.signed_out');
    expect((await (await again(h, inA)).auth.me()).workspace.id).toBe(h.a.workspaceId);
    expect((await (await again(h, tokenA)).auth.me()).workspace.id).toBe(h.a.workspaceId);
    const [membershipA] = await h.database.db
      .select()
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, h.a.workspaceId), eq(workspaceMembers.userId, person.id)));
    expect(membershipA?.deactivatedAt).toBeNull();
    // With only A left active, the sign-in needs no choice and lands in A.
    const anonymous = await h.anonymous();
    const me = await anonymous.auth.signIn({ email: person.email, password: person.password });
    expect(me.workspace.id).toBe(h.a.workspaceId);
  });

  it("lets B's Admin remove someone from B without touching their access to A", async () => {
    const person = await inBoth();
    const inA = await signedIn(h, { id: person.id, workspaceId: h.a.workspaceId });
    const adminB = await h.as(h.b, 'admin');

    await adminB.members.remove({ userId: person.id });

    expect((await (await again(h, inA)).auth.me()).workspace.id).toBe(h.a.workspaceId);
  });
});

describe('session handling (issue 7, item 8)', () => {
  it('ends the session a password sign-in request came with', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const old = await signedIn(h, member);
    const { caller } = await h.callerWithHeaders(new Headers({ cookie: old.cookie }));

    await caller.auth.signIn({ email: member.email, password: member.password });

    expect((await refusal((await again(h, old)).auth.me())).quarry).toBe('auth.signed_out');
    expect(await sessionsOf(member.id)).toHaveLength(1);
  });

  it('refuses an API token that tries to list, end or sign out every session, or change the password', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const browser = await signedIn(h, member);
    const leaked = await withToken(h, member);
    const [session] = await sessionsOf(member.id);

    for (const attempt of [
      leaked.caller.sessions.list(),
      leaked.caller.sessions.signOutEverywhere(),
      leaked.caller.sessions.revoke({ sessionId: session?.id ?? '' }),
      leaked.caller.sessions.changePassword({
        currentPassword: member.password,
        newPassword: 'taken over now',
      }),
      leaked.caller.auth.switchWorkspace({ workspaceId: h.a.workspaceId }),
    ]) {
      const refused = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(TRPCError);
      expect((refused as QuarryTRPCError).quarry.code).toBe('access.session_required');
    }
    expect((await (await again(h, browser)).auth.me()).userId).toBe(member.id);
    expect(await sessionsOf(member.id)).toHaveLength(1);
  });
});
