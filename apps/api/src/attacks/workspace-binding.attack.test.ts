import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { createApiToken } from '@quarry/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, FIXTURE_PASSWORD, signInOverHttp, startAttackApi, whoAmI } from './attack-helpers';

/**
 * AUTH-9 through the real HTTP API: a session or token of workspace B against A's ids, and one
 * workspace's Admin against the same person's membership in another.
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;
let aAdmin: string;
let bAdmin: string;
let aGroupId: string;
let aInviteId: string;
let aTokenId: string;
let aRunId: string;
const aProviderId = 'sso_aaaaaaaaaaaaaaaa';

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startAttackApi(h);
  aAdmin = await signInOverHttp(api.url, { email: h.a.users.admin.email });
  bAdmin = await signInOverHttp(api.url, { email: h.b.users.admin.email });
  const group = await call<{ id: string }>(
    api.url,
    'groups.create',
    { name: 'A analysts' },
    { cookie: aAdmin },
  );
  aGroupId = group.data?.id ?? '';
  await call(
    api.url,
    'groups.addMember',
    { groupId: aGroupId, userId: h.a.users.editor.id },
    { cookie: aAdmin },
  );
  const invite = await call<{ invite: { id: string } }>(
    api.url,
    'invites.create',
    { email: 'someone-for-a@example.test', role: 'editor' },
    { cookie: aAdmin },
  );
  aInviteId = invite.data?.invite.id ?? '';
  const token = await createApiToken(h.database.db, {
    userId: h.a.users.editor.id,
    workspaceId: h.a.workspaceId,
    name: 'A token',
    expiresInDays: 1,
  });
  aTokenId = token.row.id;
  const aEditor = await signInOverHttp(api.url, { email: h.a.users.editor.email });
  const run = await call<{ id: string }>(
    api.url,
    'runs.start',
    { projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' },
    { cookie: aEditor },
  );
  aRunId = run.data?.id ?? 'run_aaaaaaaaaaaaaaaa';
  // A provider row of A's (its client secret is never read by deleteProvider).
  await h.database.sql`
    insert into sso_providers (id, workspace_id, kind, name, issuer, client_id, client_secret)
    values (${aProviderId}, ${h.a.workspaceId}, 'oidc', 'A IdP', 'https://idp.a.example', 'a', 'x')`;
  expect([aGroupId, aInviteId].every(Boolean)).toBe(true);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const isNotFound = (a: { status: number; error?: { code: string } }) =>
  a.status === 404 || (a.error?.code ?? '').startsWith('not_found');

describe("B's Admin against A's ids (AUTH-9)", () => {
  it('answers every A id with not found and changes nothing in A', async () => {
    const a = h.a;
    const attempts: Array<[string, unknown, boolean?]> = [
      ['members.changeRole', { userId: a.users.editor.id, role: 'viewer' }],
      ['members.deactivate', { userId: a.users.editor.id }],
      ['members.reactivate', { userId: a.users.editor.id }],
      ['members.remove', { userId: a.users.manager.id }],
      ['groups.rename', { groupId: aGroupId, name: 'pwned' }],
      ['groups.addMember', { groupId: aGroupId, userId: h.b.users.viewer.id }],
      ['groups.removeMember', { groupId: aGroupId, userId: a.users.editor.id }],
      ['groups.delete', { groupId: aGroupId }],
      ['invites.revoke', { inviteId: aInviteId }],
      ['tokens.revoke', { tokenId: aTokenId }],
      ['sso.deleteProvider', { providerId: aProviderId }],
      ['projects.get', { projectId: a.projectId }, true],
      ['projects.updateCell', { projectId: a.projectId, cellId: a.cellId, source: 'select 2' }],
      ['sharing.get', { projectId: a.projectId }, true],
      [
        'sharing.share',
        {
          projectId: a.projectId,
          target: { kind: 'user', userId: h.b.users.admin.id },
          permission: 'full_access',
        },
      ],
      ['sharing.shareWithWeb', { projectId: a.projectId, enabled: true }],
      ['sharing.setEditorsCanShare', { projectId: a.projectId, enabled: false }],
      ['sharing.duplicate', { projectId: a.projectId, name: 'stolen' }],
      ['runs.get', { runId: aRunId }, true],
      ['runs.start', { projectId: a.projectId, cellId: a.cellId, source: 'select 3' }],
      ['connections.permissions', { connectionId: a.connectionId }, true],
    ];
    const answers: Record<string, string> = {};
    for (const [path, input, query] of attempts) {
      const answer = await call(api.url, path, input, { cookie: bAdmin, ...(query ? { query } : {}) });
      answers[path] = isNotFound(answer) ? 'not found' : `${answer.status} ${answer.text.slice(0, 120)}`;
    }
    expect(answers).toEqual(Object.fromEntries(attempts.map(([p]) => [p, 'not found'])));
    // A is as it was.
    const [editor] = await h.database.sql`
      select role, deactivated_at from workspace_members where workspace_id = ${a.workspaceId} and user_id = ${a.users.editor.id}`;
    expect(editor).toEqual({ role: 'editor', deactivated_at: null });
    const [cell] = await h.database.sql`select source from cells where id = ${a.cellId}`;
    expect(cell?.source).not.toMatch(/select [23]/);
  });

  it("cannot pull an A-only user into B's groups or projects", async () => {
    const group = await call<{ id: string }>(
      api.url,
      'groups.create',
      { name: 'B group' },
      { cookie: bAdmin },
    );
    const add = await call(
      api.url,
      'groups.addMember',
      { groupId: group.data?.id, userId: h.a.users.editor.id },
      { cookie: bAdmin },
    );
    expect(isNotFound(add), add.text).toBe(true);
    const share = await call(
      api.url,
      'sharing.share',
      {
        projectId: h.b.projectId,
        target: { kind: 'user', userId: h.a.users.editor.id },
        permission: 'can_view',
      },
      { cookie: bAdmin },
    );
    expect(isNotFound(share), share.text).toBe(true);
  });

  it('audit.list in B says nothing of A, even filtered by an A-only actor', async () => {
    const list = await call<unknown>(
      api.url,
      'audit.list',
      { actorId: h.a.users.admin.id },
      { cookie: bAdmin, query: true },
    );
    expect(list.text).not.toContain(h.a.workspaceId);
    expect(list.text).not.toContain(aGroupId);
  });
});

describe('one person in A and B: each workspace owns only its membership (AUTH-9)', () => {
  it("B's Admin deactivating and removing the person ends B's sessions and tokens only", async () => {
    const person = h.a.users.explorer;
    await h.database
      .sql`insert into workspace_members (workspace_id, user_id, role) values (${h.b.workspaceId}, ${person.id}, 'editor')`;
    const inA = await signInOverHttp(api.url, { email: person.email, workspaceId: h.a.workspaceId });
    const inB = await signInOverHttp(api.url, { email: person.email, workspaceId: h.b.workspaceId });
    const tokenA = await createApiToken(h.database.db, {
      userId: person.id,
      workspaceId: h.a.workspaceId,
      name: 'A',
      expiresInDays: 1,
    });

    const deactivated = await call(api.url, 'members.deactivate', { userId: person.id }, { cookie: bAdmin });
    expect(deactivated.status, deactivated.text).toBe(200);
    expect((await whoAmI(api.url, inB)).status).toBe(401);
    expect(await whoAmI(api.url, inA)).toMatchObject({ status: 200, workspaceId: h.a.workspaceId });
    const viaToken = await call(api.url, 'auth.me', undefined, { bearer: tokenA.token, query: true });
    expect(viaToken.status).toBe(200);

    // Deactivated in B: neither a password sign-in nor a switch gets into B.
    const signIn = await call(api.url, 'auth.signIn', {
      email: person.email,
      password: FIXTURE_PASSWORD,
      workspaceId: h.b.workspaceId,
    });
    expect(signIn.status).not.toBe(200);
    const switched = await call(
      api.url,
      'auth.switchWorkspace',
      { workspaceId: h.b.workspaceId },
      { cookie: inA },
    );
    expect(switched.status).not.toBe(200);
    expect((await whoAmI(api.url, inA)).status).toBe(200);

    const removed = await call(api.url, 'members.remove', { userId: person.id }, { cookie: bAdmin });
    expect(removed.status, removed.text).toBe(200);
    expect(await whoAmI(api.url, inA)).toMatchObject({ status: 200, workspaceId: h.a.workspaceId });
    expect((await call(api.url, 'auth.me', undefined, { bearer: tokenA.token, query: true })).status).toBe(
      200,
    );
    const again = await call(
      api.url,
      'auth.switchWorkspace',
      { workspaceId: h.b.workspaceId },
      { cookie: inA },
    );
    expect(again.status).not.toBe(200);
  });

  it("a session in B cannot end the same person's session in A by id (sessions.list in B does not show it either)", async () => {
    const person = h.a.users.viewer;
    await h.database
      .sql`insert into workspace_members (workspace_id, user_id, role) values (${h.b.workspaceId}, ${person.id}, 'viewer')`;
    const inA = await signInOverHttp(api.url, { email: person.email, workspaceId: h.a.workspaceId });
    const inB = await signInOverHttp(api.url, { email: person.email, workspaceId: h.b.workspaceId });
    const aSessionId = (inA.split('=')[1] ?? '').split('.')[0] ?? '';
    const listed = await call<Array<{ id: string }>>(api.url, 'sessions.list', undefined, {
      cookie: inB,
      query: true,
    });
    expect(listed.data?.map((s) => s.id)).not.toContain(aSessionId);
    const revoked = await call(api.url, 'sessions.revoke', { sessionId: aSessionId }, { cookie: inB });
    expect({ revoke: revoked.status, aStillWorks: (await whoAmI(api.url, inA)).status }).toEqual({
      revoke: 404,
      aStillWorks: 200,
    });
  });

  it('cannot switch into a workspace that requires SSO (as a non-Admin)', async () => {
    const person = h.a.users.guest;
    await h.database
      .sql`insert into workspace_members (workspace_id, user_id, role) values (${h.b.workspaceId}, ${person.id}, 'viewer')`;
    await h.database.sql`update workspaces set sso_required = true where id = ${h.b.workspaceId}`;
    try {
      const inA = await signInOverHttp(api.url, { email: person.email, workspaceId: h.a.workspaceId });
      const switched = await call(
        api.url,
        'auth.switchWorkspace',
        { workspaceId: h.b.workspaceId },
        { cookie: inA },
      );
      expect(switched.error?.code).toBe('auth.sso_required');
    } finally {
      await h.database.sql`update workspaces set sso_required = false where id = ${h.b.workspaceId}`;
    }
  });
});

describe('sessions and tokens (item 8)', () => {
  it('an API token can neither manage sessions, change the password, switch workspace nor mint tokens', async () => {
    const { token } = await createApiToken(h.database.db, {
      userId: h.a.users.manager.id,
      workspaceId: h.a.workspaceId,
      name: 'leaked',
      expiresInDays: 1,
    });
    const attempts: Array<[string, unknown, boolean?]> = [
      ['sessions.list', undefined, true],
      ['sessions.signOutEverywhere', undefined],
      ['sessions.revoke', { sessionId: 'abcdefghijklmnop' }],
      ['sessions.changePassword', { currentPassword: FIXTURE_PASSWORD, newPassword: 'token set this one' }],
      ['auth.switchWorkspace', { workspaceId: h.b.workspaceId }],
      ['tokens.create', { name: 'persistence', expiresInDays: 365 }],
    ];
    const codes: Record<string, string> = {};
    for (const [path, input, query] of attempts) {
      const answer = await call(api.url, path, input, { bearer: token, ...(query ? { query } : {}) });
      codes[path] = answer.error?.code ?? String(answer.status);
    }
    expect(codes).toEqual(Object.fromEntries(attempts.map(([p]) => [p, 'access.session_required'])));
  });

  it('password sign-in ends the session the request came with, even when signing in as someone else', async () => {
    const first = await signInOverHttp(api.url, { email: h.b.users.guest.email });
    const second = await call(
      api.url,
      'auth.signIn',
      { email: h.b.users.viewer.email, password: FIXTURE_PASSWORD },
      { cookie: first },
    );
    expect(second.status).toBe(200);
    expect((await whoAmI(api.url, first)).status).toBe(401);
  });

  it('a cookie-carrying mutation from another origin is refused, whatever the casing of the header', async () => {
    const cookie = await signInOverHttp(api.url, { email: h.b.users.manager.email });
    for (const headers of [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'none' },
      { 'sec-fetch-site': 'SAME-ORIGIN' },
      { 'sec-fetch-site': '', origin: 'null' },
      { 'sec-fetch-site': '', origin: `${api.quarry}.evil.example` },
    ]) {
      const res = await fetch(`${api.url}/trpc/tokens.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify({ json: { name: 'csrf' } }),
      });
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
    }
    // text/plain (a "simple" cross-site form post) with no Fetch metadata at all.
    const plain = await fetch(`${api.url}/trpc/tokens.create`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie },
      body: JSON.stringify({ json: { name: 'csrf' } }),
    });
    expect(plain.status).toBe(403);
  });
});
