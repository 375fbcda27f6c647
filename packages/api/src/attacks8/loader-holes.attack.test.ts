import { ProjectPermission, type WorkspaceRole } from '@quarry/contracts';
import { workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal, uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import { asUser, attackWorkspaces, decided, grantRow, memberOf } from './facts-kit';

// Holes found by the attack on loadMemberProjectFacts, now fixed: project_grants.permission and
// workspace_members.role are plain text in the database (no CHECK; "a new value needs no
// migration"), and the engine ranked an unknown permission above every known one, so a grant row
// that said anything but a permission gave its holder the role's cap (Full access for an Editor).
// The loaders now drop such rows and the engine ranks an unknown value as none.
let h: ApiHarness;
let A: string;

beforeAll(async () => {
  ({ h, A } = await attackWorkspaces());
}, 60_000);
afterAll(() => h?.close());

const NOT_PERMISSIONS = ['revoked', '', 'can_view ', 'Can view', 'owner'];

describe('fixed hole: grant rows whose permission is not a permission', () => {
  // The loader (access-facts.ts ~line 278, the `grants` flatMap; and loadProjectsFacts' grant loop)
  // passes `pg.permission` through unchecked; strongerOf/meetsProjectPermission compare
  // RANK[unknown] = undefined, so the unknown value wins the max and then is "capped" to the role's
  // cap. Fix: keep only rows whose permission parses as ProjectPermission (drop the rest).
  it('a direct grant row saying "revoked" (or "", "can_view ", …) opens nothing to the Editor it names', async () => {
    for (const permission of NOT_PERMISSIONS) {
      const editor = await memberOf(h, h.a, 'editor');
      const project = await projectIn(h, h.a);
      await grantRow(h, { workspaceId: A, projectId: project, userId: editor, permission });
      const { loaded, effective } = await decided(h, { workspaceId: A, userId: editor, projectId: project });
      // Today: 'full_access'.
      expect(effective, JSON.stringify(permission)).toBe('none');
      for (const grant of loaded.facts?.grants ?? []) {
        expect(ProjectPermission.safeParse(grant.permission).success, JSON.stringify(permission)).toBe(true);
      }
      expect((await refusal((await asUser(h, editor, A)).projects.get({ projectId: project }))).code).toBe(
        'NOT_FOUND',
      );
    }
  });

  it('a "revoked" grant to the Workspace group does not hand every Editor Full access (web share, re-share)', async () => {
    const name = uniqueName('board minutes');
    const project = await projectIn(h, h.a, [], name);
    await grantRow(h, { workspaceId: A, projectId: project, groupId: 'workspace', permission: 'revoked' });
    const editor = await h.as(h.a, 'editor');
    // Today: Full access, so the Editor can publish the project to the web.
    const refused = await refusal(editor.sharing.shareWithWeb({ projectId: project, enabled: true }));
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.text).not.toContain(name);
  });

  it('such a row opens nothing to a Viewer or an Explorer either (before the fix it gave them their cap)', async () => {
    for (const role of ['viewer', 'explorer'] as const) {
      const member = await memberOf(h, h.a, role);
      const project = await projectIn(h, h.a);
      await grantRow(h, { workspaceId: A, projectId: project, userId: member, permission: 'revoked' });
      const { effective } = await decided(h, { workspaceId: A, userId: member, projectId: project });
      expect(effective).toBe('none');
    }
  });
});

describe('fixed hole: a membership whose role is not a role', () => {
  // The loader returns `role: row.role` unchecked (access-facts.ts ~line 266). The engine fails
  // closed, but the gate then refuses with FORBIDDEN "Capped at undefined: the undefined role
  // allows at most undefined" instead of treating the row as no membership (NOT_FOUND). Fix: member
  // is null unless WorkspaceRole.safeParse(row.role) succeeds.
  it('reads a member whose role is "Admin" (capitalised) as no member: NOT_FOUND, not a garbled refusal', async () => {
    const member = await memberOf(h, h.a, 'editor');
    const project = await projectIn(h, h.a, [{ userId: member, permission: 'can_view' }]);
    await h.database.db
      .update(workspaceMembers)
      .set({ role: 'Admin' as WorkspaceRole })
      .where(and(eq(workspaceMembers.workspaceId, A), eq(workspaceMembers.userId, member)));
    const { loaded } = await decided(h, { workspaceId: A, userId: member, projectId: project });
    expect(loaded.member).toBeNull();
    const refused = await refusal((await asUser(h, member, A)).projects.get({ projectId: project }));
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.message).not.toContain('undefined');
  });

  it('whatever its role text, such a member never passes the gate (fails closed today)', async () => {
    for (const role of ['Admin', 'admin ', 'owner']) {
      const member = await memberOf(h, h.a, 'editor');
      const project = await projectIn(h, h.a, [{ userId: member, permission: 'full_access' }]);
      await h.database.db
        .update(workspaceMembers)
        .set({ role: role as WorkspaceRole })
        .where(and(eq(workspaceMembers.workspaceId, A), eq(workspaceMembers.userId, member)));
      const caller = await asUser(h, member, A);
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(
        (await refusal(caller.projects.get({ projectId: project }))).code,
      );
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(
        (await refusal(caller.projects.get({ projectId: h.a.projectId }))).code,
      );
    }
  });
});
