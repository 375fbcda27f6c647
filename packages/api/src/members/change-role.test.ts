import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import {
  addMember,
  again,
  auditEntries,
  membership,
  newWorkspace,
  refusal,
  signedIn,
  withToken,
} from './testing/member-helpers';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

describe('members.changeRole', () => {
  it("changes the role, ends the member's sessions, and audits it with before and after", async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const session = await signedIn(h, member);
    expect((await session.caller.auth.me()).workspace.role).toBe('editor');
    const admin = await h.as(h.a, 'admin');

    const changed = await admin.members.changeRole({ userId: member.id, role: 'viewer' });

    expect(changed).toMatchObject({
      userId: member.id,
      email: member.email,
      role: 'viewer',
      status: 'active',
    });
    expect(await membership(h, member)).toMatchObject({ role: 'viewer' });
    expect(await refusal((await again(h, session)).auth.me())).toMatchObject({
      code: 'UNAUTHORIZED',
      quarry: 'auth.signed_out',
    });
    const [entry] = await auditEntries(h, {
      workspaceId: h.a.workspaceId,
      action: 'member.change_role',
      targetId: member.id,
    });
    expect(entry).toMatchObject({
      actorId: h.a.users.admin.id,
      outcome: 'success',
      ip: '127.0.0.1',
      requestId: 'test',
      details: { before: { role: 'editor' }, after: { role: 'viewer' }, sessionsEnded: 1 },
    });
  });

  it('lets the member sign in again, and the new session carries the new role', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'viewer' });
    const admin = await h.as(h.a, 'admin');
    await admin.members.changeRole({ userId: member.id, role: 'manager' });

    const fresh = await h.callerWithHeaders(new Headers());
    const me = await fresh.caller.auth.signIn({ email: member.email, password: member.password });

    expect(me.workspace.role).toBe('manager');
    expect(fresh.resHeaders.get('set-cookie')).toMatch(/^quarry_session=/);
  });

  it('keeps API tokens working, acting with the new role at once', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'admin' });
    const token = await withToken(h, member);
    expect((await token.caller.members.list()).length).toBeGreaterThan(0);
    const admin = await h.as(h.a, 'admin');

    await admin.members.changeRole({ userId: member.id, role: 'editor' });

    const viaToken = await again(h, token);
    expect((await viaToken.auth.me()).workspace.role).toBe('editor');
    expect(await refusal(viaToken.members.list())).toMatchObject({
      code: 'FORBIDDEN',
      quarry: 'access.role_not_allowed',
    });
  });

  it("refuses to demote the workspace's last active Admin with members.last_admin, and changes nothing", async () => {
    const workspaceId = await newWorkspace(h);
    const only = await addMember(h, { workspaceId, role: 'admin' });
    const session = await signedIn(h, only);

    const refused = await refusal(session.caller.members.changeRole({ userId: only.id, role: 'editor' }));

    expect(refused).toMatchObject({ code: 'PRECONDITION_FAILED', quarry: 'members.last_admin' });
    expect(await membership(h, only)).toMatchObject({ role: 'admin' });
    expect(await auditEntries(h, { workspaceId, action: 'member.change_role' })).toEqual([]);
    expect((await (await again(h, session)).auth.me()).workspace.role).toBe('admin');
  });

  it('does not count a deactivated Admin as another Admin', async () => {
    const workspaceId = await newWorkspace(h);
    const active = await addMember(h, { workspaceId, role: 'admin' });
    const dormant = await addMember(h, { workspaceId, role: 'admin' });
    const { caller } = await signedIn(h, active);
    await caller.members.deactivate({ userId: dormant.id });

    expect((await refusal(caller.members.changeRole({ userId: active.id, role: 'viewer' }))).quarry).toBe(
      'members.last_admin',
    );
    // Demoting the deactivated Admin leaves an active one, so it is allowed.
    expect((await caller.members.changeRole({ userId: dormant.id, role: 'viewer' })).role).toBe('viewer');
  });

  it('lets an Admin step down once another active Admin exists, ending their own session', async () => {
    const workspaceId = await newWorkspace(h);
    const leaving = await addMember(h, { workspaceId, role: 'admin' });
    const staying = await addMember(h, { workspaceId, role: 'admin' });
    const session = await signedIn(h, leaving);

    expect((await session.caller.members.changeRole({ userId: leaving.id, role: 'editor' })).role).toBe(
      'editor',
    );

    expect((await refusal((await again(h, session)).auth.me())).code).toBe('UNAUTHORIZED');
    const { caller } = await signedIn(h, staying);
    expect(await refusal(caller.members.changeRole({ userId: staying.id, role: 'editor' }))).toMatchObject({
      quarry: 'members.last_admin',
    });
  });

  it('keeps sessions and writes no audit entry when the role is already the one asked for', async () => {
    const member = await addMember(h, { workspaceId: h.a.workspaceId, role: 'explorer' });
    const session = await signedIn(h, member);
    const admin = await h.as(h.a, 'admin');

    expect((await admin.members.changeRole({ userId: member.id, role: 'explorer' })).role).toBe('explorer');

    expect((await (await again(h, session)).auth.me()).userId).toBe(member.id);
    expect(
      await auditEntries(h, {
        workspaceId: h.a.workspaceId,
        action: 'member.change_role',
        targetId: member.id,
      }),
    ).toEqual([]);
  });

  it('refuses a role outside the vocabulary as invalid input', async () => {
    const admin = await h.as(h.a, 'admin');
    expect(
      await refusal(admin.members.changeRole({ userId: h.a.users.editor.id, role: 'owner' as 'admin' })),
    ).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await membership(h, { id: h.a.users.editor.id, workspaceId: h.a.workspaceId })).toMatchObject({
      role: 'editor',
    });
  });
});
