import { decideProjectPermission } from '@quarry/access';
import { createSession } from '@quarry/auth';
import type { WorkspaceRole } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { loadMemberProjectFacts } from '@quarry/db/access-facts';
import { connections, groupMembers, projectConnections, projectGrants } from '@quarry/db/schema';
import { addWorkspaceMember, joinWorkspace } from '@quarry/db/testing';
import { sql } from 'drizzle-orm';
import { sessionCookieName } from '../auth/session-cookie';
import { type ApiHarness, createApiHarness } from '../testing/harness';

type Workspace = ApiHarness['a'];
type Permission = 'can_view' | 'can_explore' | 'can_edit' | 'full_access';

/** A signed-in caller for any account in any workspace it belongs to (the fixture's `as` knows only its own). */
export async function asUser(h: ApiHarness, userId: string, workspaceId: string) {
  const { token } = await createSession(h.database.db, { userId, workspaceId });
  return (await h.callerWithHeaders(new Headers({ cookie: `${sessionCookieName(false)}=${token}` }))).caller;
}

/** A fresh member of `workspace` with `role`. */
export const memberOf = async (h: ApiHarness, workspace: Workspace, role: WorkspaceRole) =>
  (await addWorkspaceMember(h.database.db, { workspaceId: workspace.workspaceId, role })).id;

/** An existing account joining another workspace too. */
export const alsoJoin = (h: ApiHarness, userId: string, workspace: Workspace, role: WorkspaceRole) =>
  joinWorkspace(h.database.db, { userId, workspaceId: workspace.workspaceId, role });

/** A project grant row as written, `workspaceId` included (edited rows say what they like). */
export async function grantRow(
  h: ApiHarness,
  row: {
    workspaceId: string;
    projectId: string;
    userId?: string;
    groupId?: string;
    permission: Permission | string;
  },
) {
  const id = newId('grant');
  await h.database.db.insert(projectGrants).values({
    id,
    workspaceId: row.workspaceId,
    projectId: row.projectId,
    userId: row.userId ?? null,
    groupId: row.groupId ?? null,
    // An edited row may hold any text: the column is text, unchecked by the database.
    permission: row.permission as Permission,
  });
  return id;
}

/** A group_members row as written, its workspace and group as given. */
export const groupMemberRow = (
  h: ApiHarness,
  row: { groupId: string; userId: string; workspaceId: string },
) => h.database.db.insert(groupMembers).values(row);

/** A copy of `workspace`'s fixture connection with `over` set, imported into nothing yet. */
export async function connectionOf(
  h: ApiHarness,
  workspace: Workspace,
  over: Partial<typeof connections.$inferInsert> = {},
) {
  const [base] = await h.database.db
    .select()
    .from(connections)
    .where(sql`${connections.id} = ${workspace.connectionId}`);
  if (!base) throw new Error('no fixture connection');
  const id = newId('connection');
  await h.database.db
    .insert(connections)
    .values({ ...base, id, name: `c_${id.slice(4, 12)}`, isDefault: false, ...over });
  return id;
}

/** A project_connections row as written. */
export const linkRow = (
  h: ApiHarness,
  row: { projectId: string; connectionId: string; workspaceId: string },
) => h.database.db.insert(projectConnections).values(row);

/** What the gate decides for `userId` in `workspaceId` on `projectId`, from the loader alone. */
export async function decided(
  h: ApiHarness,
  input: { workspaceId: string; userId: string; projectId: string },
) {
  const loaded = await loadMemberProjectFacts(h.database.db, input);
  return {
    loaded,
    effective: loaded.member && loaded.facts ? decideProjectPermission(loaded.facts).effective : null,
  };
}

/** Rows a refused call could have touched: none of them may change. */
export async function tenantCounts(h: ApiHarness) {
  const [row] = await h.deps.sql<
    { projects: number; grants: number; links: number; groups: number; members: number; cells: number }[]
  >`select (select count(*)::int from projects) as projects,
      (select count(*)::int from project_grants) as grants,
      (select count(*)::int from project_connections) as links,
      (select count(*)::int from group_members) as groups,
      (select count(*)::int from workspace_members) as members,
      (select count(*)::int from cells) as cells`;
  return row;
}

/** One test file's harness (two workspaces, A and B), for its beforeAll: `({ h, A, B } = await attackWorkspaces())`. */
export async function attackWorkspaces(): Promise<{ h: ApiHarness; A: string; B: string }> {
  const h = await createApiHarness({ orders: 10 });
  return { h, A: h.a.workspaceId, B: h.b.workspaceId };
}
