import { randomBytes } from 'node:crypto';
import { newId } from '@quarry/db';
import { connections, projectGrants, workspaceMembers } from '@quarry/db/schema';
import {
  createTestDatabase,
  createWorkspaceFixture,
  type TestDatabase,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcCodeFor } from '../../errors';
import { type ResultsReader, refuseResultsOf, refuseRunResults } from './results-gate';

let database: TestDatabase;
let fixture: WorkspaceFixture;
let other: WorkspaceFixture;
/** A second connection of the fixture's workspace, which the project does not import. */
let crmId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  // The gate never connects: the warehouse is only a connection's settings here.
  const warehouse = {
    host: '127.0.0.1',
    port: 5432,
    database: 'warehouse',
    username: 'reader',
    password: randomBytes(18).toString('base64url'),
  };
  fixture = await createWorkspaceFixture(database.db, { vault: loaded.value, warehouse });
  other = await createWorkspaceFixture(database.db, { vault: loaded.value, warehouse, name: 'Other' });
  await database.db
    .update(connections)
    .set({ name: 'other-finance' })
    .where(eq(connections.id, other.connectionId));
  const [base] = await database.db.select().from(connections).where(eq(connections.id, fixture.connectionId));
  if (!base) throw new Error('no fixture connection');
  crmId = newId('connection');
  await database.db.insert(connections).values({ ...base, id: crmId, name: 'crm' });
});
afterAll(async () => {
  await database?.drop();
});

const run = () => ({ workspaceId: fixture.workspaceId, projectId: fixture.projectId });
const member = (role: keyof WorkspaceFixture['users']): ResultsReader => ({
  kind: 'member',
  userId: fixture.users[role].id,
});
const anonymous: ResultsReader = { kind: 'anonymous' };

async function restrict(connectionId: string, groups: string[] | null) {
  await database.db
    .update(connections)
    .set({ canViewResults: groups, canQuery: groups })
    .where(eq(connections.id, connectionId));
}

describe('the API’s results gate', () => {
  it('lets a member read a result of the project’s connections at their defaults', async () => {
    for (const role of ['admin', 'editor', 'viewer', 'guest'] as const) {
      expect(
        await refuseRunResults(database.db, {
          run: run(),
          connectionIds: [fixture.connectionId, crmId],
          reader: member(role),
        }),
      ).toBeNull();
    }
  });

  it('refuses a connection id of another workspace without naming anything of it', async () => {
    const refused = await refuseRunResults(database.db, {
      run: run(),
      connectionIds: [fixture.connectionId, other.connectionId],
      reader: member('admin'),
    });
    expect(refused).toMatchObject({ code: 'run.connection_deleted' });
    expect(JSON.stringify(refused)).not.toContain('other-finance');
    expect(JSON.stringify(refused)).not.toContain(other.connectionId);
  });

  it('refuses a deactivated reader', async () => {
    await database.db
      .update(workspaceMembers)
      .set({ deactivatedAt: new Date() })
      .where(
        and(
          eq(workspaceMembers.workspaceId, fixture.workspaceId),
          eq(workspaceMembers.userId, fixture.users.manager.id),
        ),
      );
    try {
      const refused = await refuseRunResults(database.db, {
        run: run(),
        connectionIds: [fixture.connectionId],
        reader: member('manager'),
      });
      expect(refused).toMatchObject({ code: 'access.not_a_member' });
      expect(trpcCodeFor(refused?.code ?? '')).toBe('FORBIDDEN');
      // A member of another workspace is no reader of this one's runs either.
      expect(
        await refuseRunResults(database.db, {
          run: run(),
          connectionIds: [fixture.connectionId],
          reader: { kind: 'member', userId: other.users.admin.id },
        }),
      ).toMatchObject({ code: 'access.not_a_member' });
    } finally {
      await database.db
        .update(workspaceMembers)
        .set({ deactivatedAt: null })
        .where(eq(workspaceMembers.userId, fixture.users.manager.id));
    }
  });

  it('refuses a reader who lost Can view results after the run started, naming the connection', async () => {
    const read = () =>
      refuseRunResults(database.db, {
        run: run(),
        connectionIds: [fixture.connectionId, crmId],
        reader: member('editor'),
      });
    expect(await read()).toBeNull();
    await restrict(crmId, ['grp_finance']);
    try {
      const refused = await read();
      expect(refused).toEqual({
        code: 'access.no_can_view_results',
        message: "No Can view results on connection 'crm'",
        hint: expect.stringContaining('Can view results'),
        details: { connectionId: crmId, connection: 'crm' },
      });
      expect(trpcCodeFor(refused?.code ?? '')).toBe('FORBIDDEN');
      // Admins always have Can view results.
      expect(
        await refuseRunResults(database.db, {
          run: run(),
          connectionIds: [fixture.connectionId, crmId],
          reader: member('admin'),
        }),
      ).toBeNull();
    } finally {
      await restrict(crmId, null);
    }
  });

  it('closes the project to a reader who lost Can view results on a connection it imports', async () => {
    await restrict(fixture.connectionId, ['grp_finance']);
    try {
      const refused = await refuseRunResults(database.db, {
        run: run(),
        connectionIds: [fixture.connectionId],
        reader: member('editor'),
      });
      expect(refused).toMatchObject({
        code: 'access.closed_no_can_view_results',
        message: "No access: no Can view results on connection 'warehouse'",
      });
      expect(trpcCodeFor(refused?.code ?? '')).toBe('FORBIDDEN');
    } finally {
      await restrict(fixture.connectionId, null);
    }
  });

  describe('an anonymous reader', () => {
    it('is refused a project that is not shared with the web', async () => {
      expect(
        await refuseRunResults(database.db, {
          run: run(),
          connectionIds: [fixture.connectionId],
          reader: anonymous,
        }),
      ).toMatchObject({ code: 'access.no_grant', message: 'This project is not shared with the web' });
    });

    it('passes only where Public holds Can view results once the project is shared with the web', async () => {
      const grantId = newId('grant');
      await database.db.insert(projectGrants).values({
        id: grantId,
        workspaceId: fixture.workspaceId,
        projectId: fixture.projectId,
        groupId: 'public',
        permission: 'can_view',
      });
      try {
        const read = () =>
          refuseRunResults(database.db, {
            run: run(),
            connectionIds: [fixture.connectionId, crmId],
            reader: anonymous,
          });
        // Public holds Can view results by default.
        expect(await read()).toBeNull();
        // Listed explicitly, it still does.
        await restrict(crmId, ['public']);
        expect(await read()).toBeNull();
        // Limited to members, it no longer does.
        await restrict(crmId, ['workspace']);
        expect(await read()).toMatchObject({
          code: 'access.no_can_view_results',
          message: "No Can view results on connection 'crm'",
          details: { connection: 'crm' },
        });
        // The members still read it.
        expect(
          await refuseRunResults(database.db, {
            run: run(),
            connectionIds: [fixture.connectionId, crmId],
            reader: member('viewer'),
          }),
        ).toBeNull();
      } finally {
        await restrict(crmId, null);
        await database.db.delete(projectGrants).where(eq(projectGrants.id, grantId));
      }
    });
  });

  it('refuses a run of a project of another workspace as not found', async () => {
    expect(
      await refuseRunResults(database.db, {
        run: { workspaceId: fixture.workspaceId, projectId: other.projectId },
        connectionIds: [],
        reader: member('admin'),
      }),
    ).toMatchObject({ code: 'not_found.project' });
  });

  it('gates a stored run on its connection_ids and, for a run recorded before them, its connection_id', async () => {
    await restrict(crmId, ['grp_finance']);
    try {
      const stored = { ...run(), connectionIds: [fixture.connectionId, crmId], connectionId: null };
      expect(await refuseResultsOf(database.db, stored, member('editor'))).toMatchObject({
        code: 'access.no_can_view_results',
        details: { connection: 'crm' },
      });
      const legacy = { ...run(), connectionIds: [], connectionId: crmId };
      expect(await refuseResultsOf(database.db, legacy, member('editor'))).toMatchObject({
        code: 'access.no_can_view_results',
        details: { connection: 'crm' },
      });
      const jsOnly = { ...run(), connectionIds: [], connectionId: null };
      expect(await refuseResultsOf(database.db, jsOnly, member('editor'))).toBeNull();
    } finally {
      await restrict(crmId, null);
    }
  });

  it('gates a stored run on every SQL step of its plan too, and refuses a plan it cannot read', async () => {
    await restrict(crmId, ['grp_finance']);
    try {
      const plan = {
        steps: [
          {
            kind: 'sql',
            cellId: newId('cell'),
            name: 'crm',
            connectionId: crmId,
            sql: 'select 1',
            params: [],
          },
          { kind: 'js', cellId: newId('cell'), name: 'view', source: 'return crm', uses: ['crm'] },
        ],
        inputs: {},
      };
      // connection_ids lost the plan's connection: the plan still gates.
      const lost = { ...run(), connectionIds: [], connectionId: null, plan };
      expect(await refuseResultsOf(database.db, lost, member('editor'))).toMatchObject({
        code: 'access.no_can_view_results',
        details: { connection: 'crm' },
      });
      // A plan that does not parse, and nothing else to go by: refused, not let through.
      const unreadable = { ...run(), connectionIds: [], connectionId: null, plan: { steps: 'tampered' } };
      expect(await refuseResultsOf(database.db, unreadable, member('admin'))).toMatchObject({
        code: 'run.failed',
      });
      // An unreadable plan beside known connections: gated on those.
      const known = { ...run(), connectionIds: [crmId], connectionId: null, plan: { steps: 'tampered' } };
      expect(await refuseResultsOf(database.db, known, member('editor'))).toMatchObject({
        code: 'access.no_can_view_results',
      });
      expect(
        await refuseResultsOf(
          database.db,
          { ...unreadable, connectionIds: [fixture.connectionId] },
          member('editor'),
        ),
      ).toBeNull();
    } finally {
      await restrict(crmId, null);
    }
  });
});
