import {
  decideConnectionManagement,
  decideProjectPermission,
  hasAssetAccess,
  meetsProjectPermission,
} from '@quarry/access';
import { type ConnectionSummary, ok, type Result } from '@quarry/contracts';
import { loadMemberActor, loadProjectsFacts } from '@quarry/db/access-facts';
import { connections } from '@quarry/db/schema';
import { asc, eq } from 'drizzle-orm';
import type { ServiceContext } from '../../service-context';
import {
  LISTED_CONNECTION_COLUMNS,
  projectConnectionsEnabled,
  projectNames,
  toSummary,
  usageCounts,
} from './connection-record';

/**
 * The connections the caller may see: every one for Admins; for anyone else the ready workspace
 * connections they have access to (one of their groups), and the project connections of projects
 * they can edit. Never a setting value or a credential.
 */
export async function listConnections(ctx: ServiceContext): Promise<Result<ConnectionSummary[]>> {
  const { db } = ctx.deps;
  const { workspaceId, userId, role } = ctx.actor;
  const [rows, usage, enabled, member] = await Promise.all([
    db
      .select(LISTED_CONNECTION_COLUMNS)
      .from(connections)
      .where(eq(connections.workspaceId, workspaceId))
      .orderBy(asc(connections.name)),
    usageCounts(db, workspaceId),
    projectConnectionsEnabled(db, workspaceId),
    loadMemberActor(db, { workspaceId, userId }),
  ]);
  if (!member) return ok([]);
  const projectIds = rows.flatMap((r) => (r.scope === 'project' && r.projectId ? [r.projectId] : []));
  const names = await projectNames(db, workspaceId, projectIds);
  const summary = (row: (typeof rows)[number], canManage: boolean) =>
    toSummary(row, {
      projectName: row.projectId ? names.get(row.projectId) : undefined,
      usageCount: usage.get(row.id) ?? 0,
      canManage,
      projectConnectionsEnabled: enabled,
    });
  if (role === 'admin') return ok(rows.map((row) => summary(row, true)));

  // A project connection is listed to whoever could edit its project were project connections on:
  // while they are off it stays listed, marked unavailable, and nobody but an Admin manages it.
  const facts = projectIds.length
    ? await loadProjectsFacts(db, { workspaceId, projectIds, actor: member })
    : new Map();
  const visible: ConnectionSummary[] = [];
  for (const row of rows) {
    if (row.scope === 'workspace') {
      const asset = {
        kind: 'connection' as const,
        id: row.id,
        name: row.name,
        groupsWithAccess: row.groupsWithAccess,
      };
      if (row.status === 'ready' && hasAssetAccess(member, asset)) visible.push(summary(row, false));
      continue;
    }
    const project = row.projectId ? facts.get(row.projectId) : undefined;
    if (!project) continue;
    const asIfEnabled = decideProjectPermission({ ...project, projectConnectionsEnabled: true });
    if (!meetsProjectPermission(asIfEnabled.effective, 'can_edit')) continue;
    const manage = decideConnectionManagement({
      role,
      scope: 'project',
      projectPermission: decideProjectPermission(project).effective,
      projectConnectionsEnabled: enabled,
    });
    visible.push(summary(row, manage.allowed));
  }
  return ok(visible);
}
