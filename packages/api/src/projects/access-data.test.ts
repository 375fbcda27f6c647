import { newId } from '@quarry/db';
import * as schema from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { listProjects } from './services/list-projects';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

const ROLES = ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'] as const;

async function outcome(promise: Promise<unknown>): Promise<'allowed' | string> {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

describe('permission as data (issue 8, item 1)', () => {
  it('sends the permission enum, the reasons and the capabilities instead of a label', async () => {
    const explorer = await h.as(h.a, 'explorer');
    const detail = await explorer.projects.get({ projectId: h.a.projectId });
    expect(detail.permission).toBe('can_explore');
    expect(detail.reasons).toEqual([expect.objectContaining({ code: 'access.capped_by_role' })]);
    expect(detail.can).toMatchObject({ view: true, explore: true, edit: false, run: false, share: false });
    const [listed] = (await explorer.projects.list()).filter((p) => p.id === h.a.projectId);
    expect(listed).toMatchObject({ permission: 'can_explore', can: detail.can, reasons: detail.reasons });
  });

  for (const role of ROLES) {
    it(`gives the ${role} the edit, explore, duplicate and sharing flags the gate then enforces`, async () => {
      const caller = await h.as(h.a, role);
      const { can } = await caller.projects.get({ projectId: h.a.projectId });
      const edit = await outcome(
        caller.projects.updateCell({
          projectId: h.a.projectId,
          cellId: h.a.cellId,
          source: 'select 1 as one',
        }),
      );
      expect(edit === 'allowed').toBe(can.edit);
      const explore = await outcome(caller.sharing.get({ projectId: h.a.projectId }));
      expect(explore === 'allowed').toBe(can.explore);
      const duplicate = await outcome(
        caller.sharing.duplicate({ projectId: h.a.projectId, name: `copy ${role}` }),
      );
      expect(duplicate === 'allowed').toBe(can.duplicate);
      // Re-granting the fixture's own Workspace grant and re-saving the re-sharing switch change nothing.
      const share = await outcome(
        caller.sharing.share({
          projectId: h.a.projectId,
          target: { kind: 'group', groupId: 'workspace' },
          permission: 'can_edit',
        }),
      );
      expect(share === 'allowed').toBe(can.share);
      const manage = await outcome(
        caller.sharing.setEditorsCanShare({ projectId: h.a.projectId, enabled: true }),
      );
      expect(manage === 'allowed').toBe(can.manageSharing);
    });
  }
});

describe('projects.list (issue 8, item 6)', () => {
  it('decides every project in a fixed number of queries, not one round per project', async () => {
    let queries = 0;
    const counting = drizzle(h.database.sql, { schema, logger: { logQuery: () => void queries++ } });
    const editor = h.a.users.editor;
    const ctx = {
      deps: { ...h.deps, db: counting },
      actor: {
        userId: editor.id,
        workspaceId: h.a.workspaceId,
        role: 'editor' as const,
        via: { kind: 'token' as const, tokenId: 'tok_test' },
      },
      request: { ip: null, userAgent: null, requestId: 'test' },
    };
    const before = (await listProjects(ctx)).length;
    const withFew = queries;
    for (let i = 0; i < 25; i++) {
      const projectId = newId('project');
      await h.database.db.insert(schema.projects).values({
        id: projectId,
        workspaceId: h.a.workspaceId,
        name: `Bulk ${i}`,
        createdBy: h.a.users.admin.id,
      });
      await h.database.db.insert(schema.projectGrants).values({
        id: newId('grant'),
        workspaceId: h.a.workspaceId,
        projectId,
        groupId: 'workspace',
        permission: 'can_edit',
      });
    }
    queries = 0;
    const listed = await listProjects(ctx);
    expect(listed.length).toBe(before + 25);
    expect(queries).toBe(withFew);
    expect(listed.find((p) => p.name === 'Bulk 3')).toMatchObject({ permission: 'can_edit' });
  });
});

describe('project data connections switched off (issue 8, item 6)', () => {
  it("downgrades an Editor on a project using a project connection to Can explore, with the workspace switch's reason", async () => {
    const projectConnection = newId('connection');
    await h.database.sql`
      insert into connections (id, workspace_id, name, kind, scope, project_id, settings, credentials, created_by)
      values (${projectConnection}, ${h.a.workspaceId}, 'private', 'postgres', 'project', ${h.a.projectId}, ${JSON.stringify({ host: 'db.internal', port: 5432, database: 'x', username: 'x' })}::jsonb, ${Buffer.from('sealed')}, ${h.a.users.admin.id})`;
    await h.database
      .sql`insert into project_connections (project_id, connection_id, workspace_id) values (${h.a.projectId}, ${projectConnection}, ${h.a.workspaceId})`;
    const editor = await h.as(h.a, 'editor');
    try {
      expect((await editor.projects.get({ projectId: h.a.projectId })).permission).toBe('can_edit');
      await h.database.db
        .update(schema.workspaces)
        .set({ projectConnectionsEnabled: false })
        .where(eq(schema.workspaces.id, h.a.workspaceId));
      const detail = await editor.projects.get({ projectId: h.a.projectId });
      expect(detail.permission).toBe('can_explore');
      expect(detail.reasons).toEqual([
        expect.objectContaining({
          code: 'access.project_connections_disabled',
          message: expect.stringContaining("'private'"),
        }),
      ]);
      expect(
        await outcome(
          editor.projects.updateCell({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 2' }),
        ),
      ).toBe('FORBIDDEN');
    } finally {
      await h.database.db
        .update(schema.workspaces)
        .set({ projectConnectionsEnabled: true })
        .where(eq(schema.workspaces.id, h.a.workspaceId));
      await h.database.sql`delete from project_connections where connection_id = ${projectConnection}`;
      await h.database.sql`delete from connections where id = ${projectConnection}`;
    }
  });
});
