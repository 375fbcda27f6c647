import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionFacts,
  type LoadedProjectFacts,
  loadMemberActor,
  loadMemberProjectFacts,
  loadProjectFacts,
  type MemberProjectFacts,
} from './access-facts';
import { newId } from './ids';
import {
  connections,
  groupMembers,
  groups,
  projectConnections,
  projectGrants,
  projectSecrets,
  projects,
  secrets,
  workspaces,
} from './schema/index';
import { addWorkspaceMember, createTestDatabase, createWorkspace, type TestDatabase } from './testing/index';

// loadMemberProjectFacts reads in one statement what loadMemberActor and loadProjectFacts read in
// eight; the gate and the runner decide from it. Compared here, case by case, with the two it stands
// in for, over the rows that change a decision: custom groups (and another workspace's), user and
// group grants, restricted connections and secrets, ownership from the current membership only, a
// deactivated member, another workspace's project, and stray link rows.

let database: TestDatabase;
const ids = {
  workspace: '',
  other: '',
  project: '',
  otherProject: '',
  owner: '',
  member: '',
  deactivated: '',
  outsider: '',
  group: '',
  restricted: '',
  loose: '',
  foreign: '',
};

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  ids.workspace = await createWorkspace(db);
  ids.other = await createWorkspace(db);
  const owner = await addWorkspaceMember(db, { workspaceId: ids.workspace, role: 'editor' });
  const member = await addWorkspaceMember(db, { workspaceId: ids.workspace, role: 'explorer' });
  const deactivated = await addWorkspaceMember(db, {
    workspaceId: ids.workspace,
    role: 'editor',
    deactivated: true,
  });
  const outsider = await addWorkspaceMember(db, { workspaceId: ids.other, role: 'admin' });
  Object.assign(ids, {
    owner: owner.id,
    member: member.id,
    deactivated: deactivated.id,
    outsider: outsider.id,
  });

  ids.group = newId('group');
  const otherGroup = newId('group');
  await db.insert(groups).values([
    { id: ids.group, workspaceId: ids.workspace, name: 'Data team' },
    { id: otherGroup, workspaceId: ids.other, name: 'Data team' },
  ]);
  await db.insert(groupMembers).values([
    { groupId: ids.group, userId: member.id, workspaceId: ids.workspace },
    // Another workspace's group, its row claiming this workspace: never one of the member's groups.
    { groupId: otherGroup, userId: member.id, workspaceId: ids.workspace },
  ]);
  await db
    .update(workspaces)
    .set({ projectConnectionsEnabled: false })
    .where(eq(workspaces.id, ids.workspace));

  ids.project = newId('project');
  ids.otherProject = newId('project');
  await db.insert(projects).values([
    {
      id: ids.project,
      workspaceId: ids.workspace,
      name: 'Mine',
      createdBy: owner.id,
      editorsCanShare: false,
    },
    { id: ids.otherProject, workspaceId: ids.other, name: 'Theirs', createdBy: outsider.id },
  ]);
  await db.insert(projectGrants).values([
    {
      id: newId('grant'),
      workspaceId: ids.workspace,
      projectId: ids.project,
      userId: member.id,
      permission: 'can_view',
    },
    {
      id: newId('grant'),
      workspaceId: ids.workspace,
      projectId: ids.project,
      groupId: ids.group,
      permission: 'can_edit',
    },
  ]);
  const restricted = newId('connection');
  const open = newId('connection');
  const foreign = newId('connection');
  ids.restricted = restricted;
  ids.foreign = foreign;
  ids.loose = newId('connection');
  await db.insert(connections).values([
    {
      id: restricted,
      workspaceId: ids.workspace,
      name: 'restricted',
      kind: 'postgres',
      groupsWithAccess: [ids.group],
      canQuery: [ids.group],
      canViewResults: ['workspace'],
      canRefreshSchema: 'admins_only',
      createdBy: owner.id,
    },
    { id: open, workspaceId: ids.workspace, name: 'open', kind: 'postgres', createdBy: owner.id },
    { id: foreign, workspaceId: ids.other, name: 'foreign', kind: 'postgres', createdBy: outsider.id },
    // This workspace's, not imported by the project (a result may have been read from it before).
    {
      id: ids.loose,
      workspaceId: ids.workspace,
      name: 'loose',
      kind: 'postgres',
      canViewResults: [ids.group],
      createdBy: owner.id,
    },
  ]);
  await db.insert(projectConnections).values([
    { projectId: ids.project, connectionId: restricted, workspaceId: ids.workspace },
    { projectId: ids.project, connectionId: open, workspaceId: ids.workspace },
    // A stray link to another workspace's connection: it can only add a restriction, as before.
    { projectId: ids.project, connectionId: foreign, workspaceId: ids.other },
  ]);
  const secret = newId('secret');
  await db.insert(secrets).values({
    id: secret,
    workspaceId: ids.workspace,
    name: 'API key',
    value: Buffer.from('sealed elsewhere'),
    groupsWithAccess: [ids.group],
    createdBy: owner.id,
  });
  await db
    .insert(projectSecrets)
    .values({ projectId: ids.project, secretId: secret, workspaceId: ids.workspace, importedBy: owner.id });
});

afterAll(async () => {
  await database?.drop();
});

/** What the eight statements give, in the single statement's shape. */
async function asBefore(workspaceId: string, userId: string, projectId: string): Promise<MemberProjectFacts> {
  const member = await loadMemberActor(database.db, { workspaceId, userId });
  if (!member) return { member: null, facts: null, listed: [] };
  return {
    member,
    facts: await loadProjectFacts(database.db, { workspaceId, projectId, actor: member }),
    listed: [],
  };
}

/** Facts with their lists in one order: neither loader promises one, and no decision reads it. */
function sorted(loaded: MemberProjectFacts): MemberProjectFacts {
  const facts: LoadedProjectFacts | null = loaded.facts && {
    ...loaded.facts,
    grants: [...loaded.facts.grants].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    assets: [...loaded.facts.assets].sort((a, b) => a.id.localeCompare(b.id)),
    connections: [...loaded.facts.connections].sort((a, b) => a.id.localeCompare(b.id)),
  };
  const member = loaded.member && {
    ...loaded.member,
    customGroupIds: [...loaded.member.customGroupIds].sort(),
  };
  const listed = [...loaded.listed].sort((a, b) => a.id.localeCompare(b.id));
  return { member, facts: facts && member ? { ...facts, actor: member } : facts, listed };
}

describe('one member’s facts on one project, in one statement', () => {
  const cases = (): [string, string, string, string][] => [
    ['the owner, on the project they made', ids.workspace, ids.owner, ids.project],
    ['a member of a custom group with a user grant too', ids.workspace, ids.member, ids.project],
    ['a deactivated member', ids.workspace, ids.deactivated, ids.project],
    ['a member, on another workspace’s project', ids.workspace, ids.member, ids.otherProject],
    ['someone of another workspace, on this one’s project', ids.workspace, ids.outsider, ids.project],
    ['someone, on a project that does not exist', ids.workspace, ids.member, 'project_missing'],
  ];

  it('reads exactly what the eight statements read, case by case', async () => {
    for (const [label, workspaceId, userId, projectId] of cases()) {
      const [now, before] = await Promise.all([
        loadMemberProjectFacts(database.db, { workspaceId, userId, projectId }),
        asBefore(workspaceId, userId, projectId),
      ]);
      expect(sorted(now), label).toEqual(sorted(before));
    }
  });

  it('reads the listed connections of this workspace, imported or not, and never another workspace’s', async () => {
    const input = { workspaceId: ids.workspace, userId: ids.member, projectId: ids.project };
    const [withListed, plain] = await Promise.all([
      loadMemberProjectFacts(database.db, {
        ...input,
        connectionIds: [ids.restricted, ids.loose, ids.foreign, 'connection_missing'],
      }),
      loadMemberProjectFacts(database.db, input),
    ]);
    const rows = await database.db
      .select()
      .from(connections)
      .where(inArray(connections.id, [ids.restricted, ids.loose]));
    expect(sorted(withListed).listed).toEqual(sorted({ ...plain, listed: rows.map(connectionFacts) }).listed);
    expect(withListed.listed.map((c) => c.name).sort()).toEqual(['loose', 'restricted']);
    // The rest of the answer is what the statement answers without a list.
    expect(sorted({ ...withListed, listed: [] })).toEqual(sorted(plain));
    expect(plain.listed).toEqual([]);
  });

  it('reads the rows that decide: groups of this workspace only, grants, restrictions, ownership', async () => {
    const mine = await loadMemberProjectFacts(database.db, {
      workspaceId: ids.workspace,
      userId: ids.owner,
      projectId: ids.project,
    });
    expect(mine.facts).toMatchObject({
      isProjectOwner: true,
      editorsCanShare: false,
      projectConnectionsEnabled: false,
    });
    const theirs = await loadMemberProjectFacts(database.db, {
      workspaceId: ids.workspace,
      userId: ids.member,
      projectId: ids.project,
    });
    expect(theirs.member?.customGroupIds).toEqual([ids.group]);
    expect(theirs.facts?.isProjectOwner).toBe(false);
    expect(theirs.facts?.grants).toHaveLength(2);
    expect(theirs.facts?.connections.find((c) => c.name === 'restricted')).toMatchObject({
      canQuery: [ids.group],
      canViewResults: ['workspace'],
      canRefreshSchema: 'admins_only',
      scope: 'workspace',
    });
    expect(theirs.facts?.assets.filter((a) => a.kind === 'secret')).toEqual([
      expect.objectContaining({ name: 'API key', groupsWithAccess: [ids.group] }),
    ]);
    const gone = await loadMemberProjectFacts(database.db, {
      workspaceId: ids.workspace,
      userId: ids.deactivated,
      projectId: ids.project,
    });
    expect(gone).toEqual({ member: null, facts: null, listed: [] });
  });
});
