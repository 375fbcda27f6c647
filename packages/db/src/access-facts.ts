import type { ConnectionFacts, MemberActor, ProjectFacts } from '@quarry/access';
import { ProjectPermission, WorkspaceRole } from '@quarry/contracts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './client';
import {
  connections,
  groupMembers,
  groups,
  projectConnections,
  projectGrants,
  projectSecrets,
  projects,
  secrets,
  workspaceMembers,
  workspaces,
} from './schema/index';

type ConnectionRow = typeof connections.$inferSelect;

/** The columns of a connection row its permission facts come from. */
type ConnectionPermissionColumns = Pick<
  ConnectionRow,
  'id' | 'name' | 'canQuery' | 'canViewResults' | 'canRefreshSchema' | 'scope'
>;

/** A connection row's permission facts as the engine reads them, with the seed's defaults. */
export function connectionFacts(row: ConnectionPermissionColumns): ConnectionFacts {
  return {
    id: row.id,
    name: row.name,
    canQuery: row.canQuery ?? 'workspace_default',
    canViewResults: row.canViewResults ?? 'everyone',
    canRefreshSchema: row.canRefreshSchema === 'admins_only' ? 'admins_only' : 'can_query',
    scope: row.scope === 'project' ? 'project' : 'workspace',
  };
}

const isProjectPermission = (value: string): value is ProjectPermission =>
  ProjectPermission.safeParse(value).success;
const isWorkspaceRole = (value: string): value is WorkspaceRole => WorkspaceRole.safeParse(value).success;

/** The member as the engine sees them, or null when they are not (or no longer) in the workspace. */
export async function loadMemberActor(
  db: Db,
  input: { workspaceId: string; userId: string },
): Promise<MemberActor | null> {
  const [member] = await db
    .select({ role: workspaceMembers.role, deactivatedAt: workspaceMembers.deactivatedAt })
    .from(workspaceMembers)
    .where(
      and(eq(workspaceMembers.workspaceId, input.workspaceId), eq(workspaceMembers.userId, input.userId)),
    );
  // A role that is none of the six (an edited row) makes no member.
  if (!member || member.deactivatedAt || !isWorkspaceRole(member.role)) return null;
  const memberships = await db
    .select({ groupId: groupMembers.groupId })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(
      and(
        eq(groupMembers.workspaceId, input.workspaceId),
        eq(groups.workspaceId, input.workspaceId),
        eq(groupMembers.userId, input.userId),
      ),
    );
  return {
    kind: 'member',
    userId: input.userId,
    role: member.role,
    customGroupIds: memberships.map((m) => m.groupId),
  };
}

/** A project's facts for the engine, and the project-wide setting the gate and the share dialog read. */
export type LoadedProjectFacts = ProjectFacts & { editorsCanShare: boolean };

/**
 * Everything the permission engine needs to decide one member's permission on one project: the
 * grants, the assets the project uses and its connections' permissions. Null when the project is
 * not in this workspace (callers answer NOT_FOUND, never FORBIDDEN, so ids do not leak).
 */
export async function loadProjectFacts(
  db: Db,
  input: { workspaceId: string; projectId: string; actor: MemberActor },
): Promise<LoadedProjectFacts | null> {
  const facts = await loadProjectsFacts(db, {
    workspaceId: input.workspaceId,
    projectIds: [input.projectId],
    actor: input.actor,
  });
  return facts.get(input.projectId) ?? null;
}

/**
 * The facts of many projects of one workspace in six queries, whatever their number (the project
 * list decides every project the caller might see). `projectIds: 'all'` reads every project of the
 * workspace. Projects of other workspaces are simply absent from the map.
 */
export async function loadProjectsFacts(
  db: Db,
  input: { workspaceId: string; projectIds: readonly string[] | 'all'; actor: MemberActor },
): Promise<Map<string, LoadedProjectFacts>> {
  const { workspaceId } = input;
  const chosen = (
    column:
      | typeof projects.id
      | typeof projectGrants.projectId
      | typeof projectConnections.projectId
      | typeof projectSecrets.projectId,
  ) => (input.projectIds === 'all' ? undefined : inArray(column, [...input.projectIds]));
  if (input.projectIds !== 'all' && input.projectIds.length === 0) return new Map();
  const [projectRows, workspaceRows, grantRows, imported, importedSecrets, membership] = await Promise.all([
    db
      .select({
        id: projects.id,
        createdBy: projects.createdBy,
        createdAt: projects.createdAt,
        editorsCanShare: projects.editorsCanShare,
      })
      .from(projects)
      .where(and(eq(projects.workspaceId, workspaceId), chosen(projects.id))),
    db
      .select({ projectConnectionsEnabled: workspaces.projectConnectionsEnabled })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId)),
    db
      .select()
      .from(projectGrants)
      .where(and(eq(projectGrants.workspaceId, workspaceId), chosen(projectGrants.projectId))),
    // Joined through the project's own workspace, not the link row's: an inconsistent row must add
    // a connection's restrictions (fail closed), never drop them.
    db
      .select({ projectId: projectConnections.projectId, connection: connections })
      .from(projectConnections)
      .innerJoin(projects, eq(projects.id, projectConnections.projectId))
      .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
      .where(and(eq(projects.workspaceId, workspaceId), chosen(projectConnections.projectId))),
    // Shared secrets are assets too, read the same way: through the project's own workspace, so a
    // stray link row can only add a restriction. Never the value.
    db
      .select({
        projectId: projectSecrets.projectId,
        id: secrets.id,
        name: secrets.name,
        groupsWithAccess: secrets.groupsWithAccess,
      })
      .from(projectSecrets)
      .innerJoin(projects, eq(projects.id, projectSecrets.projectId))
      .innerJoin(secrets, eq(secrets.id, projectSecrets.secretId))
      .where(and(eq(projects.workspaceId, workspaceId), chosen(projectSecrets.projectId))),
    db
      .select({ since: workspaceMembers.createdAt })
      .from(workspaceMembers)
      .where(
        and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, input.actor.userId)),
      ),
  ]);
  // A creator holds their project only from the membership they made it in: someone removed and
  // invited back is a newcomer to what they made before, and gets what is shared with them.
  const memberSince = membership[0]?.since ?? null;
  const projectConnectionsEnabled = workspaceRows[0]?.projectConnectionsEnabled ?? true;
  const facts = new Map<string, LoadedProjectFacts>();
  for (const project of projectRows) {
    facts.set(project.id, {
      editorsCanShare: project.editorsCanShare,
      actor: input.actor,
      isProjectOwner:
        project.createdBy === input.actor.userId && memberSince !== null && project.createdAt >= memberSince,
      grants: [],
      assets: [],
      connections: [],
      projectConnectionsEnabled,
    });
  }
  for (const g of grantRows) {
    const project = facts.get(g.projectId);
    // A row whose permission is none of the four (an edited row) grants nothing.
    if (!project || !isProjectPermission(g.permission)) continue;
    const { permission } = g;
    if (g.userId) project.grants.push({ to: { kind: 'user', userId: g.userId }, permission });
    else if (g.groupId) project.grants.push({ to: { kind: 'group', groupId: g.groupId }, permission });
  }
  for (const { projectId, connection } of imported) {
    const project = facts.get(projectId);
    if (!project) continue;
    project.assets.push({
      kind: 'connection',
      id: connection.id,
      name: connection.name,
      groupsWithAccess: connection.groupsWithAccess,
    });
    project.connections.push(connectionFacts(connection));
  }
  for (const { projectId, ...secret } of importedSecrets) {
    const project = facts.get(projectId);
    if (!project) continue;
    project.assets.push({ kind: 'secret', ...secret });
  }
  return facts;
}

/** One member's facts on one project, as loadMemberProjectFacts reads them in a single statement. */
export type MemberProjectFacts = {
  /** Null when the user is not (or no longer) a member of the workspace. */
  member: MemberActor | null;
  /** Null when the project is not in the workspace; its actor is the member as loaded. */
  facts: LoadedProjectFacts | null;
  /**
   * The permission facts of the connections asked for by id (`connectionIds`), those of this
   * workspace only, whether or not the project imports them: what a result was read from. Empty when
   * none were asked for.
   */
  listed: ConnectionFacts[];
};

type FactsRow = {
  role: MemberActor['role'] | null;
  deactivated: boolean | null;
  group_ids: string[];
  project_found: boolean;
  editors_can_share: boolean | null;
  is_owner: boolean | null;
  project_connections_enabled: boolean | null;
  grants: {
    userId: string | null;
    groupId: string | null;
    permission: ProjectFacts['grants'][number]['permission'];
  }[];
  connections: ConnectionJson[];
  secrets: { id: string; name: string; groupsWithAccess: string[] }[];
  listed?: ConnectionJson[];
};

type ConnectionJson = {
  id: string;
  name: string;
  groupsWithAccess: string[];
  canQuery: string[] | null;
  canViewResults: string[] | null;
  canRefreshSchema: ConnectionRow['canRefreshSchema'];
  scope: ConnectionRow['scope'];
};

/** A connection row as the JSON a facts statement builds for it (ConnectionJson). */
const CONNECTION_JSON = sql.raw(`json_build_object(
  'id', c.id, 'name', c.name, 'groupsWithAccess', c.groups_with_access, 'canQuery', c.can_query,
  'canViewResults', c.can_view_results, 'canRefreshSchema', c.can_refresh_schema, 'scope', c.scope)`);

/**
 * What loadMemberActor and loadProjectFacts read together, for one member and one project, in one
 * statement: the gate (twice a run: its start and its result stream) and the runner's own check
 * each read it, and eight statements a time were a fifth of a small run's statements. The same rows
 * as those two read them: the membership and its custom groups of this workspace, the project of
 * this workspace, its grants, and the connections and secrets it imports joined through the
 * project's own workspace (a stray link row can only add a restriction). A creator owns their
 * project only from the membership they made it in. With `connectionIds`, also the facts of those
 * connections of the workspace (the results gate's: what a run's result was read from), in the same
 * statement.
 */
export async function loadMemberProjectFacts(
  db: Db,
  input: { workspaceId: string; userId: string; projectId: string; connectionIds?: readonly string[] },
): Promise<MemberProjectFacts> {
  const { workspaceId, userId, projectId } = input;
  const listed = input.connectionIds?.length
    ? sql`, (select coalesce(json_agg(${CONNECTION_JSON}), '[]'::json) from connections c
         where c.workspace_id = ${workspaceId} and c.id = any(${sql.param([...input.connectionIds])}::text[])
      ) as listed`
    : sql``;
  const rows = (await db.execute(sql`
    select m.role, m.deactivated_at is not null as deactivated,
      (select coalesce(json_agg(gm.group_id), '[]'::json) from group_members gm
         join groups g on g.id = gm.group_id
         where gm.workspace_id = ${workspaceId} and g.workspace_id = ${workspaceId} and gm.user_id = ${userId}
      ) as group_ids,
      p.id is not null as project_found,
      p.editors_can_share,
      (p.created_by = ${userId} and m.created_at is not null and p.created_at >= m.created_at) as is_owner,
      (select w.project_connections_enabled from workspaces w where w.id = ${workspaceId}
      ) as project_connections_enabled,
      (select coalesce(json_agg(json_build_object(
           'userId', pg.user_id, 'groupId', pg.group_id, 'permission', pg.permission)), '[]'::json)
         from project_grants pg where pg.workspace_id = ${workspaceId} and pg.project_id = ${projectId}
      ) as grants,
      (select coalesce(json_agg(${CONNECTION_JSON}), '[]'::json)
         from project_connections pc
         join projects pp on pp.id = pc.project_id
         join connections c on c.id = pc.connection_id
         where pp.workspace_id = ${workspaceId} and pc.project_id = ${projectId}
      ) as connections,
      (select coalesce(json_agg(json_build_object(
           'id', s.id, 'name', s.name, 'groupsWithAccess', s.groups_with_access)), '[]'::json)
         from project_secrets ps
         join projects pp on pp.id = ps.project_id
         join secrets s on s.id = ps.secret_id
         where pp.workspace_id = ${workspaceId} and ps.project_id = ${projectId}
      ) as secrets
      ${listed}
    from (select 1) as one
    left join workspace_members m on m.workspace_id = ${workspaceId} and m.user_id = ${userId}
    left join projects p on p.workspace_id = ${workspaceId} and p.id = ${projectId}`)) as unknown as FactsRow[];
  const row = rows[0];
  if (!row) return { member: null, facts: null, listed: [] };
  const listedFacts = (row.listed ?? []).map(connectionFacts);
  const member: MemberActor | null =
    row.role && !row.deactivated && isWorkspaceRole(row.role)
      ? { kind: 'member', userId, role: row.role, customGroupIds: row.group_ids }
      : null;
  if (!member || !row.project_found) return { member, facts: null, listed: listedFacts };
  const facts: LoadedProjectFacts = {
    editorsCanShare: row.editors_can_share ?? false,
    actor: member,
    isProjectOwner: row.is_owner === true,
    grants: row.grants.flatMap((g): ProjectFacts['grants'] =>
      !isProjectPermission(g.permission)
        ? []
        : g.userId
          ? [{ to: { kind: 'user', userId: g.userId }, permission: g.permission }]
          : g.groupId
            ? [{ to: { kind: 'group', groupId: g.groupId }, permission: g.permission }]
            : [],
    ),
    assets: [
      ...row.connections.map((c) => ({
        kind: 'connection' as const,
        id: c.id,
        name: c.name,
        groupsWithAccess: c.groupsWithAccess,
      })),
      ...row.secrets.map((secret) => ({ kind: 'secret' as const, ...secret })),
    ],
    connections: row.connections.map(connectionFacts),
    projectConnectionsEnabled: row.project_connections_enabled ?? true,
  };
  return { member, facts, listed: listedFacts };
}
