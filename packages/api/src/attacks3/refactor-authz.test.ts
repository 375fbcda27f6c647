import { createApiToken, createSession } from '@quarry/auth';
import { newId } from '@quarry/db';
import * as schema from '@quarry/db/schema';
import { addWorkspaceMember } from '@quarry/db/testing';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../auth/session-cookie';
import { QuarryTRPCError } from '../errors';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
const ROLES = ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'] as const;
type Role = (typeof ROLES)[number];

const ids = {
  groupId: '',
  p2: '',
  p2cell: '',
  p3: '',
  p4: '',
  p5: '',
  con2: '',
};

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    const result = await promise;
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      for await (const _ of result as AsyncIterable<unknown>) break;
    }
    return 'allowed';
  } catch (error) {
    if (error instanceof QuarryTRPCError) return `${error.code}:${error.quarry.code}`;
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

async function project(name: string, createdBy: string) {
  const id = newId('project');
  await h.database.db.insert(schema.projects).values({ id, workspaceId: h.a.workspaceId, name, createdBy });
  return id;
}
async function grant(projectId: string, to: { userId?: string; groupId?: string }, permission: string) {
  await h.database
    .sql`insert into project_grants (id, workspace_id, project_id, user_id, group_id, permission)
    values (${newId('grant')}, ${h.a.workspaceId}, ${projectId}, ${to.userId ?? null}, ${to.groupId ?? null}, ${permission})`;
}
async function importConnection(projectId: string, connectionId: string) {
  await h.database
    .sql`insert into project_connections (project_id, connection_id, workspace_id) values (${projectId}, ${connectionId}, ${h.a.workspaceId})`;
}

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  const admin = await h.as(h.a, 'admin');
  ids.groupId = (await admin.groups.create({ name: 'Attack group' })).id;
  await admin.groups.addMember({ groupId: ids.groupId, userId: h.a.users.manager.id });
  await admin.groups.addMember({ groupId: ids.groupId, userId: h.a.users.viewer.id });
  await admin.groups.addMember({ groupId: ids.groupId, userId: h.a.users.guest.id });

  // P2: not shared with Workspace; Editor direct Can view; custom group Can edit.
  ids.p2 = await project('P2 group only', h.a.users.admin.id);
  await importConnection(ids.p2, h.a.connectionId);
  await grant(ids.p2, { userId: h.a.users.editor.id }, 'can_view');
  await grant(ids.p2, { groupId: ids.groupId }, 'can_edit');
  ids.p2cell = newId('cell');
  await h.database.db.insert(schema.cells).values({
    id: ids.p2cell,
    workspaceId: h.a.workspaceId,
    projectId: ids.p2,
    position: 0,
    name: 'query_1',
    kind: 'sql',
    connectionId: h.a.connectionId,
    source: 'select p2_secret',
  });

  // P3: created by the Editor, shared with nobody.
  ids.p3 = await project('P3 editor owned', h.a.users.editor.id);

  // P4: a second connection restricted to the custom group, Workspace Can edit.
  ids.con2 = newId('connection');
  await h.database.sql`
    insert into connections (id, workspace_id, name, kind, scope, settings, credentials, created_by, can_query, can_view_results)
    values (${ids.con2}, ${h.a.workspaceId}, 'restricted', 'postgres', 'workspace', ${JSON.stringify({ host: 'db.internal', port: 5432, database: 'x', username: 'x' })}::jsonb, ${Buffer.from('sealed')}, ${h.a.users.admin.id}, ${[ids.groupId]}, ${[ids.groupId]})`;
  ids.p4 = await project('P4 restricted', h.a.users.admin.id);
  await importConnection(ids.p4, ids.con2);
  await grant(ids.p4, { groupId: 'workspace' }, 'can_edit');
  await grant(ids.p4, { groupId: 'workspace_guests' }, 'can_edit');

  // P5: shared with the web only.
  ids.p5 = await project('P5 web only', h.a.users.admin.id);
  await grant(ids.p5, { groupId: 'public' }, 'can_view');
});
afterAll(() => h?.close());

const allProjects = () => [h.a.projectId, ids.p2, ids.p3, ids.p4, ids.p5];

describe('projects.list agrees with projects.get (batched facts)', () => {
  for (const role of ROLES) {
    it(`lists for A's ${role} exactly the projects get opens, with the same permission and flags`, async () => {
      const caller = await h.as(h.a, role);
      const listed = await caller.projects.list();
      const mismatches: string[] = [];
      for (const id of allProjects()) {
        const inList = listed.find((p) => p.id === id);
        let got: Awaited<ReturnType<typeof caller.projects.get>> | null = null;
        let refusal = '';
        try {
          got = await caller.projects.get({ projectId: id });
        } catch (e) {
          refusal = e instanceof TRPCError ? e.code : String(e);
        }
        if (!!inList !== !!got) mismatches.push(`${id}: list=${!!inList} get=${got ? 'ok' : refusal}`);
        if (inList && got) {
          if (inList.permission !== got.permission)
            mismatches.push(`${id}: perm ${inList.permission}/${got.permission}`);
          if (JSON.stringify(inList.can) !== JSON.stringify(got.can)) mismatches.push(`${id}: can differs`);
          if (JSON.stringify(inList.reasons) !== JSON.stringify(got.reasons))
            mismatches.push(`${id}: reasons differ`);
        }
      }
      expect(mismatches).toEqual([]);
      // Nothing from another workspace, ever.
      expect(listed.map((p) => p.id)).not.toContain(h.b.projectId);
    });
  }

  it("gives B's Admin none of A's projects in list and NOT_FOUND on get", async () => {
    const other = await h.as(h.b, 'admin');
    const listed = (await other.projects.list()).map((p) => p.id);
    for (const id of allProjects()) {
      expect(listed).not.toContain(id);
      expect(await outcome(other.projects.get({ projectId: id }))).toMatch(/^NOT_FOUND/);
    }
  });

  it('keeps the project created by the Editor from everyone else but Admins', async () => {
    for (const role of ['manager', 'explorer', 'viewer', 'guest'] as const) {
      const caller = await h.as(h.a, role);
      expect((await caller.projects.list()).map((p) => p.id)).not.toContain(ids.p3);
      expect(await outcome(caller.projects.get({ projectId: ids.p3 }))).toMatch(/^NOT_FOUND/);
    }
    const editor = await h.as(h.a, 'editor');
    expect((await editor.projects.get({ projectId: ids.p3 })).permission).toBe('full_access');
  });

  it('closes the restricted-connection project to those outside its group', async () => {
    for (const role of ['editor', 'explorer'] as const) {
      const caller = await h.as(h.a, role);
      expect((await caller.projects.list()).map((p) => p.id)).not.toContain(ids.p4);
      expect(await outcome(caller.projects.get({ projectId: ids.p4 }))).not.toBe('allowed');
    }
  });
});

describe('project-scoped procedures with ids that are not theirs', () => {
  it('refuses updateCell and runs.start with a cell of another project of the same workspace', async () => {
    const editor = await h.as(h.a, 'editor');
    expect(
      await outcome(
        editor.projects.updateCell({ projectId: h.a.projectId, cellId: ids.p2cell, source: 'select hijack' }),
      ),
    ).toMatch(/^NOT_FOUND/);
    expect(
      await outcome(
        editor.runs.start({ projectId: h.a.projectId, cellId: ids.p2cell, source: 'select hijack' }),
      ),
    ).toMatch(/^NOT_FOUND/);
    expect(
      await outcome(
        editor.projects.updateCell({ projectId: h.a.projectId, cellId: h.b.cellId, source: 'select hijack' }),
      ),
    ).toMatch(/^NOT_FOUND/);
    const [cell] = await h.database.db.select().from(schema.cells).where(eq(schema.cells.id, ids.p2cell));
    expect(cell?.source).toBe('select p2_secret');
    const [bcell] = await h.database.db.select().from(schema.cells).where(eq(schema.cells.id, h.b.cellId));
    expect(bcell?.source).not.toBe('select hijack');
  });

  it('refuses every project procedure on a project not shared with the Explorer, or of B, or malformed', async () => {
    const explorer = await h.as(h.a, 'explorer');
    const bAdmin = await h.as(h.b, 'admin');
    const before = await h.database.sql`select count(*)::int as n from project_grants`;
    const calls = (c: typeof explorer, projectId: string) => [
      () => c.projects.get({ projectId }),
      () => c.sharing.get({ projectId }),
      () =>
        c.sharing.share({
          projectId,
          target: { kind: 'group', groupId: 'workspace' },
          permission: 'can_view',
        }),
      () => c.sharing.shareWithWeb({ projectId, enabled: true }),
      () => c.sharing.setEditorsCanShare({ projectId, enabled: false }),
      () => c.sharing.duplicate({ projectId, name: 'stolen' }),
      () => c.projects.updateCell({ projectId, cellId: ids.p2cell, source: 'x' }),
      () => c.runs.start({ projectId, cellId: ids.p2cell, source: 'x' }),
    ];
    const failures: string[] = [];
    for (const [who, c, projectId] of [
      ['explorer-p3', explorer, ids.p3],
      ['bAdmin-A', bAdmin, h.a.projectId],
      ['bAdmin-p2', bAdmin, ids.p2],
      ['long', explorer, `prj_${'x'.repeat(50_000)}`],
      ['sqlish', explorer, `${h.a.projectId}' or '1'='1`],
    ] as const) {
      for (const [i, p] of calls(c, projectId).entries()) {
        const o = await outcome(p());
        if (o === 'allowed' || o === 'INTERNAL_SERVER_ERROR') failures.push(`${who} #${i}: ${o}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await h.database.sql`select count(*)::int as n from project_grants`).toEqual(before);
    expect((await h.database.sql`select count(*)::int as n from projects where name = 'stolen'`)[0]?.n).toBe(
      0,
    );
  });

  it('does not let sharing.share remove a grant of another project via the same target', async () => {
    // The custom group has Can edit on P2; an Editor with Can edit on P1 removing the group on P1 must not touch P2.
    const editor = await h.as(h.a, 'editor');
    await editor.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'group', groupId: ids.groupId },
      permission: 'none',
    });
    const rows = await h.database
      .sql`select permission from project_grants where project_id = ${ids.p2} and group_id = ${ids.groupId}`;
    expect(rows.map((r) => r.permission)).toEqual(['can_edit']);
  });
});

describe('capability flags never say more than the gate allows', () => {
  const check = async (role: Role, projectId: string) => {
    const caller = await h.as(h.a, role);
    let can: Record<string, boolean>;
    try {
      can = (await caller.projects.get({ projectId })).can;
    } catch {
      return [];
    }
    const bad: string[] = [];
    const cellRows = await h.database.db
      .select({ id: schema.cells.id })
      .from(schema.cells)
      .where(eq(schema.cells.projectId, projectId));
    const cellId = cellRows[0]?.id;
    if (can.explore && (await outcome(caller.sharing.get({ projectId }))) !== 'allowed')
      bad.push(`${role} ${projectId} explore`);
    if (can.edit && cellId) {
      const [orig] = await h.database.db.select().from(schema.cells).where(eq(schema.cells.id, cellId));
      const o = await outcome(caller.projects.updateCell({ projectId, cellId, source: orig?.source ?? '' }));
      if (o !== 'allowed') bad.push(`${role} ${projectId} edit ${o}`);
    }
    if (can.manageSharing) {
      const o = await outcome(caller.sharing.setEditorsCanShare({ projectId, enabled: true }));
      if (o !== 'allowed') bad.push(`${role} ${projectId} manageSharing ${o}`);
    }
    if (can.share) {
      const sharing = await caller.sharing.get({ projectId });
      if (!sharing.can.share) bad.push(`${role} ${projectId} sharing.can.share disagrees`);
      // Re-saving the caller's own-visible grants at their current level must pass for removable entries.
      for (const entry of sharing.entries) {
        if (!entry.canChange && entry.target.kind === 'group' && entry.target.groupId !== 'public') {
          const o = await outcome(
            caller.sharing.share({
              projectId,
              target: { kind: 'group', groupId: entry.target.groupId },
              permission: entry.granted === 'none' ? 'can_view' : entry.granted,
            }),
          );
          // A canChange=false entry may still accept a no-op; what matters is it must not be removable.
          void o;
        }
      }
    }
    return bad;
  };

  it('holds for every role on every project shape', async () => {
    const bad: string[] = [];
    for (const role of ROLES) for (const id of allProjects()) bad.push(...(await check(role, id)));
    expect(bad).toEqual([]);
  });

  it('refuses removing any entry the dialog marks canChange=false', async () => {
    const admin = await h.as(h.a, 'admin');
    // Give the Manager Full access directly on P1, then an Editor (Can edit) looks at the dialog.
    await admin.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'user', userId: h.a.users.manager.id },
      permission: 'full_access',
    });
    const editor = await h.as(h.a, 'editor');
    const sharing = await editor.sharing.get({ projectId: h.a.projectId });
    const bad: string[] = [];
    for (const entry of sharing.entries) {
      if (entry.canChange) continue;
      const target =
        entry.target.kind === 'user'
          ? { kind: 'user' as const, userId: entry.target.userId }
          : { kind: 'group' as const, groupId: entry.target.groupId };
      const o = await outcome(editor.sharing.share({ projectId: h.a.projectId, target, permission: 'none' }));
      // A user reached only through a group removes nothing; that is fine. A direct grant must stay.
      if (o === 'allowed' && entry.target.kind === 'group') bad.push(`removed group ${entry.target.groupId}`);
    }
    const [row] = await h.database
      .sql`select permission from project_grants where project_id = ${h.a.projectId} and user_id = ${h.a.users.manager.id}`;
    expect(row?.permission).toBe('full_access');
    expect(bad).toEqual([]);
  });
});

describe('runs after the move', () => {
  it("gives nobody but the owner another member's run, and B nothing of A's", async () => {
    const editor = await h.as(h.a, 'editor');
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' });
    for (const caller of [await h.as(h.a, 'admin'), await h.as(h.a, 'manager'), await h.as(h.b, 'admin')]) {
      expect(await outcome(caller.runs.get({ runId: run.id }))).toMatch(/^NOT_FOUND/);
      expect(await outcome(caller.runs.events({ runId: run.id }))).toMatch(/^NOT_FOUND/);
    }
    expect((await editor.runs.get({ runId: run.id })).id).toBe(run.id);
  });

  it('refuses a run to a Viewer, an Explorer and a Guest, and writes no SQL', async () => {
    for (const role of ['viewer', 'explorer', 'guest'] as const) {
      const caller = await h.as(h.a, role);
      expect(
        await outcome(
          caller.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select evil' }),
        ),
      ).toMatch(/^FORBIDDEN/);
    }
    // Viewer in the custom group has Can edit on P2 grant but is capped at Can view.
    const viewer = await h.as(h.a, 'viewer');
    expect(
      await outcome(viewer.runs.start({ projectId: ids.p2, cellId: ids.p2cell, source: 'select evil' })),
    ).toMatch(/^FORBIDDEN/);
    const [cell] = await h.database.db.select().from(schema.cells).where(eq(schema.cells.id, h.a.cellId));
    expect(cell?.source).not.toBe('select evil');
  });
});

describe('tokens and sessions after the move', () => {
  it("cannot revoke another user's token or B's session", async () => {
    const { caller: theirs, token } = await h.withToken(h.a, 'manager');
    const [summary] = await theirs.tokens.list();
    const editor = await h.as(h.a, 'editor');
    expect(await outcome(editor.tokens.revoke({ tokenId: summary?.id ?? 'tok_x' }))).toMatch(/^NOT_FOUND/);
    const bAdmin = await h.as(h.b, 'admin');
    expect(await outcome(bAdmin.tokens.revoke({ tokenId: summary?.id ?? 'tok_x' }))).toMatch(/^NOT_FOUND/);
    const still = (await h.callerWithHeaders(new Headers({ authorization: `Bearer ${token}` }))).caller;
    expect((await still.auth.me()).userId).toBe(h.a.users.manager.id);

    const { token: bSession } = await createSession(h.database.db, {
      userId: h.b.users.editor.id,
      workspaceId: h.b.workspaceId,
    });
    const bCaller = (
      await h.callerWithHeaders(new Headers({ cookie: `${sessionCookieName(false)}=${bSession}` }))
    ).caller;
    const [bs] = await bCaller.sessions.list();
    expect(await outcome(editor.sessions.revoke({ sessionId: bs?.id ?? 'x' }))).toMatch(/^NOT_FOUND/);
    expect((await bCaller.auth.me()).userId).toBe(h.b.users.editor.id);
  });
});

describe('deactivated and removed members', () => {
  it('gives a deactivated member nothing, by session or token', async () => {
    const member = await addWorkspaceMember(h.database.db, { workspaceId: h.a.workspaceId, role: 'editor' });
    const { token: session } = await createSession(h.database.db, {
      userId: member.id,
      workspaceId: h.a.workspaceId,
    });
    const { token } = await createApiToken(h.database.db, {
      userId: member.id,
      workspaceId: h.a.workspaceId,
      name: 't',
      expiresInDays: 1,
    });
    const admin = await h.as(h.a, 'admin');
    await admin.members.deactivate({ userId: member.id });
    for (const headers of [
      new Headers({ cookie: `${sessionCookieName(false)}=${session}` }),
      new Headers({ authorization: `Bearer ${token}` }),
    ]) {
      const c = (await h.callerWithHeaders(headers)).caller;
      expect(await outcome(c.workspace.capabilities())).toMatch(/^UNAUTHORIZED/);
      expect(await outcome(c.projects.list())).toMatch(/^UNAUTHORIZED/);
    }
  });

  it('gives the token of a removed member nothing', async () => {
    const member = await addWorkspaceMember(h.database.db, { workspaceId: h.a.workspaceId, role: 'manager' });
    const { token } = await createApiToken(h.database.db, {
      userId: member.id,
      workspaceId: h.a.workspaceId,
      name: 't',
      expiresInDays: 1,
    });
    const admin = await h.as(h.a, 'admin');
    await admin.members.remove({ userId: member.id });
    const c = (await h.callerWithHeaders(new Headers({ authorization: `Bearer ${token}` }))).caller;
    expect(await outcome(c.workspace.capabilities())).toMatch(/^UNAUTHORIZED/);
  });

  it('does not hand a removed creator Full access back on their old projects when they are invited again', async () => {
    const { addMember } = await import('../members/testing/member-helpers');
    const leaver = await addMember(h, { workspaceId: h.a.workspaceId, role: 'editor' });
    const owned = await project('Owned by leaver', leaver.id);
    const admin = await h.as(h.a, 'admin');
    await admin.members.remove({ userId: leaver.id });
    // Months later the Admin invites them back as a Viewer, through the product's own invite flow.
    const created = await admin.invites.create({ email: leaver.email, role: 'viewer' });
    const token = created.link.replace(/^\/invite#/, '');
    await (await h.anonymous()).invites.join({ token, password: leaver.password });
    const { createSession: open } = await import('@quarry/auth');
    const { token: session } = await open(h.database.db, { userId: leaver.id, workspaceId: h.a.workspaceId });
    const c = (await h.callerWithHeaders(new Headers({ cookie: `${sessionCookieName(false)}=${session}` })))
      .caller;
    // Removal took their grants away; the project they made while a member must not reopen to them.
    const listed = (await c.projects.list()).find((p) => p.id === owned);
    const detail = await c.projects.get({ projectId: owned }).catch(() => null);
    expect({ listed: listed?.permission ?? 'absent', get: detail?.permission ?? 'refused' }).toEqual({
      listed: 'absent',
      get: 'refused',
    });
  });
});

describe('project data connections switched off: list, get, flags and gate agree', () => {
  it('agrees for every role while a project connection is imported and the switch is off', async () => {
    const pc = newId('connection');
    await h.database.sql`
      insert into connections (id, workspace_id, name, kind, scope, project_id, settings, credentials, created_by)
      values (${pc}, ${h.a.workspaceId}, 'p2-private', 'postgres', 'project', ${ids.p2}, ${JSON.stringify({ host: 'db.internal', port: 5432, database: 'x', username: 'x' })}::jsonb, ${Buffer.from('sealed')}, ${h.a.users.admin.id})`;
    await importConnection(ids.p2, pc);
    await h.database.db
      .update(schema.workspaces)
      .set({ projectConnectionsEnabled: false })
      .where(eq(schema.workspaces.id, h.a.workspaceId));
    const bad: string[] = [];
    try {
      for (const role of ROLES) {
        const caller = await h.as(h.a, role);
        const listed = (await caller.projects.list()).find((p) => p.id === ids.p2);
        let got: Awaited<ReturnType<typeof caller.projects.get>> | null = null;
        try {
          got = await caller.projects.get({ projectId: ids.p2 });
        } catch {}
        if (!!listed !== !!got) bad.push(`${role}: list/get disagree`);
        if (!got) continue;
        if (role === 'manager' && got.permission !== 'can_explore')
          bad.push(`manager not downgraded: ${got.permission}`);
        if (role === 'admin' && !got.can.edit) bad.push('admin downgraded');
        if (listed && listed.permission !== got.permission) bad.push(`${role}: permission differs`);
        const edit = await outcome(
          caller.projects.updateCell({ projectId: ids.p2, cellId: ids.p2cell, source: 'select p2_secret' }),
        );
        if ((edit === 'allowed') !== got.can.edit)
          bad.push(`${role}: edit flag ${got.can.edit} gate ${edit}`);
        const run = await outcome(
          caller.runs.start({ projectId: ids.p2, cellId: ids.p2cell, source: 'select p2_secret' }),
        );
        if ((run === 'allowed') !== got.can.run) bad.push(`${role}: run flag ${got.can.run} gate ${run}`);
        const dup = await outcome(caller.sharing.duplicate({ projectId: ids.p2, name: `dup ${role}` }));
        if ((dup === 'allowed') !== got.can.duplicate)
          bad.push(`${role}: duplicate flag ${got.can.duplicate} gate ${dup}`);
        const ws = await caller.workspace.capabilities();
        if (ws.can.createProjectConnections) bad.push(`${role}: createProjectConnections while off`);
      }
    } finally {
      await h.database.db
        .update(schema.workspaces)
        .set({ projectConnectionsEnabled: true })
        .where(eq(schema.workspaces.id, h.a.workspaceId));
      await h.database.sql`update runs set status = 'cancelled' where status in ('queued','running')`;
    }
    expect(bad).toEqual([]);
  });
});

describe('a person in two workspaces', () => {
  it('opens nothing of A from a B session, not even a project they created in A or were shared in A', async () => {
    const { joinWorkspace } = await import('@quarry/db/testing');
    const person = h.b.users.editor;
    await joinWorkspace(h.database.db, { userId: person.id, workspaceId: h.a.workspaceId, role: 'editor' });
    const theirs = await project('Made in A by B editor', person.id);
    await grant(ids.p2, { userId: person.id }, 'full_access');
    const inB = await h.as(h.b, 'editor');
    for (const projectId of [theirs, ids.p2]) {
      expect(await outcome(inB.projects.get({ projectId }))).toMatch(/^NOT_FOUND/);
      expect(await outcome(inB.sharing.shareWithWeb({ projectId, enabled: true }))).toMatch(/^NOT_FOUND/);
    }
    expect((await inB.projects.list()).map((p) => p.id)).not.toContain(theirs);
  });
});

describe('batched facts fail closed on inconsistent rows (defence in depth)', () => {
  it('still applies a restricted connection imported by a row whose workspace_id disagrees with its project', async () => {
    // The pre-refactor loader joined on project_id only; the batched one also filters
    // project_connections.workspace_id, so a stray row would silently drop the restriction.
    const p6 = await project('P6 stray import', h.a.users.admin.id);
    await grant(p6, { groupId: 'workspace' }, 'can_edit');
    await h.database
      .sql`insert into project_connections (project_id, connection_id, workspace_id) values (${p6}, ${ids.con2}, ${h.b.workspaceId})`;
    const explorer = await h.as(h.a, 'explorer');
    expect((await explorer.projects.list()).map((p) => p.id)).not.toContain(p6);
    expect(await outcome(explorer.projects.get({ projectId: p6 }))).not.toBe('allowed');
  });
});
