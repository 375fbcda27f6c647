import type { WorkspaceRole } from '@quarry/contracts';
import { watchVault } from '@quarry/leak-scan';
import type { Db } from '../client';
import { newId } from '../ids';
import {
  cells,
  connectionCredentialsContext,
  connections,
  projectConnections,
  projectGrants,
  projects,
  users,
  workspaceMembers,
  workspaces,
} from '../schema/index';
import { testTlsSettings } from './tls-server';

type Sealer = {
  seal: (plaintext: string, context: { workspaceId: string; recordId: string; purpose: string }) => Buffer;
};

export type FixtureUser = { id: string; email: string; role: WorkspaceRole };
export type WorkspaceFixture = {
  workspaceId: string;
  users: Record<WorkspaceRole, FixtureUser>;
  connectionId: string;
  projectId: string;
  cellId: string;
};

/** Anything that can insert: the database or a transaction on it. */
type Inserter = Pick<Db, 'insert'>;

/** An empty workspace of its own; returns its id. */
export async function createWorkspace(db: Inserter, input: { name?: string } = {}): Promise<string> {
  const id = newId('workspace');
  await db.insert(workspaces).values({ id, name: input.name ?? `Workspace ${id}` });
  return id;
}

export type FixtureMember = FixtureUser & { workspaceId: string };

/** An account in no workspace (yet); returns its id and email. */
export async function createUser(
  db: Inserter,
  input: { email?: string; name?: string; passwordHash?: string | null } = {},
): Promise<{ id: string; email: string }> {
  const id = newId('user');
  const email = input.email ?? `user-${id.slice(4, 12)}@example.test`;
  await db.insert(users).values({
    id,
    email,
    name: input.name ?? `User ${id.slice(4, 8)}`,
    passwordHash: input.passwordHash ?? null,
  });
  return { id, email };
}

/** An existing account joining `workspaceId` with `role`; `deactivated` adds it already deactivated. */
export async function joinWorkspace(
  db: Inserter,
  input: { userId: string; workspaceId: string; role: WorkspaceRole; deactivated?: boolean },
): Promise<void> {
  await db.insert(workspaceMembers).values({
    workspaceId: input.workspaceId,
    userId: input.userId,
    role: input.role,
    deactivatedAt: input.deactivated ? new Date() : null,
  });
}

/**
 * A new account that is a member of `workspaceId` with `role` (with `passwordHash` if given). Every
 * package's tests set members up through this and `joinWorkspace`, so a column added to users or
 * memberships is filled in one place.
 */
export async function addWorkspaceMember(
  db: Inserter,
  input: {
    workspaceId: string;
    role: WorkspaceRole;
    email?: string;
    name?: string;
    passwordHash?: string | null;
    deactivated?: boolean;
  },
): Promise<FixtureMember> {
  const { workspaceId, role } = input;
  const draft = newId('user');
  const account = await createUser(db, {
    email: input.email ?? `${role}-${draft.slice(4, 12)}@example.test`,
    name: input.name ?? `${role} ${draft.slice(4, 8)}`,
    passwordHash: input.passwordHash ?? null,
  });
  await joinWorkspace(db, { userId: account.id, workspaceId, role, deactivated: input.deactivated ?? false });
  return { ...account, role, workspaceId };
}

/**
 * A workspace with one member of every role, a workspace connection to `warehouse` (password
 * sealed by `vault`), and a project owned by the Admin that imports it, shared with the Workspace
 * group at Can edit and with Workspace guests at Can view.
 */
export async function createWorkspaceFixture(
  db: Db,
  input: {
    vault: Sealer;
    /** A warehouse on the TLS test server unless `tls` says how to reach another. */
    warehouse: {
      host: string;
      port: number;
      database: string;
      username: string;
      password: string;
      tls?: { sslMode: 'require' | 'verify-ca' | 'verify-full'; caCertificate?: string };
    };
    passwordHash?: string;
    name?: string;
  },
): Promise<WorkspaceFixture> {
  const workspaceId = newId('workspace');
  const roles: WorkspaceRole[] = ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'];
  const members = Object.fromEntries(
    roles.map((role) => {
      const id = newId('user');
      return [role, { id, email: `${role}-${id.slice(4, 10)}@example.test`, role }];
    }),
  ) as Record<WorkspaceRole, FixtureUser>;
  const admin = members.admin;
  const connectionId = newId('connection');
  const projectId = newId('project');
  const cellId = newId('cell');
  await db.transaction(async (tx) => {
    await tx.insert(workspaces).values({ id: workspaceId, name: input.name ?? 'Fixture workspace' });
    for (const member of Object.values(members)) {
      await tx.insert(users).values({
        id: member.id,
        email: member.email,
        name: `${member.role} user`,
        passwordHash: input.passwordHash ?? null,
      });
      await joinWorkspace(tx, { workspaceId, role: member.role, userId: member.id });
    }
    await tx.insert(connections).values({
      id: connectionId,
      workspaceId,
      name: 'warehouse',
      kind: 'postgres',
      settings: {
        host: input.warehouse.host,
        port: input.warehouse.port,
        database: input.warehouse.database,
        username: input.warehouse.username,
        ...(input.warehouse.tls ?? testTlsSettings()),
      },
      // Watched, so the fixture's warehouse password counts as a stored credential for the leak scan.
      credentials: watchVault(input.vault).seal(
        JSON.stringify({ password: input.warehouse.password }),
        connectionCredentialsContext(workspaceId, connectionId),
      ),
      createdBy: admin.id,
    });
    await tx
      .insert(projects)
      .values({ id: projectId, workspaceId, name: 'Fixture project', createdBy: admin.id });
    await tx.insert(projectConnections).values({ projectId, connectionId, workspaceId });
    await tx.insert(projectGrants).values([
      { id: newId('grant'), workspaceId, projectId, groupId: 'workspace', permission: 'can_edit' },
      { id: newId('grant'), workspaceId, projectId, groupId: 'workspace_guests', permission: 'can_view' },
    ]);
    await tx.insert(cells).values({
      id: cellId,
      workspaceId,
      projectId,
      position: 0,
      name: 'query_1',
      kind: 'sql',
      connectionId,
      source: 'select 1 as one',
    });
  });
  return { workspaceId, users: members, connectionId, projectId, cellId };
}
