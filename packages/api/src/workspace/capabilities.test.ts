import { workspaces } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

describe('workspace.capabilities (issue 8, item 1)', () => {
  it('gives an Admin every settings capability and a Viewer none, as the gate then enforces', async () => {
    const admin = await h.as(h.a, 'admin');
    expect(await admin.workspace.capabilities()).toEqual({
      role: 'admin',
      can: {
        manageMembers: true,
        manageGroups: true,
        manageConnections: true,
        manageSso: true,
        viewAudit: true,
        createProjects: true,
        createProjectConnections: true,
      },
    });
    const viewer = await h.as(h.a, 'viewer');
    const { can } = await viewer.workspace.capabilities();
    expect(Object.values(can).some(Boolean)).toBe(false);
    await expect(viewer.members.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(viewer.audit.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("reads the workspace's switch for project data connections", async () => {
    await h.database.db
      .update(workspaces)
      .set({ projectConnectionsEnabled: false })
      .where(eq(workspaces.id, h.a.workspaceId));
    try {
      const editor = await h.as(h.a, 'editor');
      expect((await editor.workspace.capabilities()).can).toMatchObject({
        createProjects: true,
        createProjectConnections: false,
      });
    } finally {
      await h.database.db
        .update(workspaces)
        .set({ projectConnectionsEnabled: true })
        .where(eq(workspaces.id, h.a.workspaceId));
    }
  });
});
