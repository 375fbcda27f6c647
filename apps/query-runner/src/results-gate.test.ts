import { randomBytes } from 'node:crypto';
import { newId } from '@quarry/db';
import { loadMemberActor } from '@quarry/db/access-facts';
import { connections } from '@quarry/db/schema';
import {
  createTestDatabase,
  createWorkspaceFixture,
  type TestDatabase,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResultsGate, runConnectionIds } from './results-gate';

let database: TestDatabase;
let fixture: WorkspaceFixture;
let other: WorkspaceFixture;
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
  const [base] = await database.db.select().from(connections).where(eq(connections.id, fixture.connectionId));
  if (!base) throw new Error('no fixture connection');
  crmId = newId('connection');
  await database.db
    .insert(connections)
    .values({ ...base, id: crmId, name: 'crm', canViewResults: ['grp_finance'], canQuery: ['grp_finance'] });
});
afterAll(async () => {
  await database?.drop();
});

const owner = (role: keyof WorkspaceFixture['users']) =>
  loadMemberActor(database.db, { workspaceId: fixture.workspaceId, userId: fixture.users[role].id });

describe('the runner’s results gate', () => {
  it('passes an owner with Can view results on every connection of the run', async () => {
    const gate = await checkResultsGate(database.db, {
      workspaceId: fixture.workspaceId,
      owner: await owner('viewer'),
      connectionIds: [fixture.connectionId, fixture.connectionId],
    });
    expect(gate).toEqual({ ok: true, value: undefined });
  });

  it('refuses with the engine’s reason, naming the first connection that refuses', async () => {
    const gate = await checkResultsGate(database.db, {
      workspaceId: fixture.workspaceId,
      owner: await owner('editor'),
      connectionIds: [fixture.connectionId, crmId],
    });
    expect(gate).toEqual({
      ok: false,
      error: {
        code: 'access.no_can_view_results',
        message: "No Can view results on connection 'crm'",
        hint: expect.stringContaining('Can view results'),
        details: { connectionId: crmId, connection: 'crm' },
        kind: 'user',
      },
    });
    // Admins always pass.
    expect(
      await checkResultsGate(database.db, {
        workspaceId: fixture.workspaceId,
        owner: await owner('admin'),
        connectionIds: [crmId],
      }),
    ).toEqual({ ok: true, value: undefined });
  });

  it('refuses a connection of another workspace without naming it, and an owner who is no member', async () => {
    const gate = await checkResultsGate(database.db, {
      workspaceId: fixture.workspaceId,
      owner: await owner('admin'),
      connectionIds: [other.connectionId],
    });
    expect(gate).toMatchObject({ ok: false, error: { code: 'run.connection_deleted', kind: 'user' } });
    expect(JSON.stringify(gate)).not.toContain(other.connectionId);
    expect(
      await checkResultsGate(database.db, {
        workspaceId: fixture.workspaceId,
        owner: null,
        connectionIds: [fixture.connectionId],
      }),
    ).toMatchObject({ ok: false, error: { code: 'access.not_a_member' } });
  });

  it('reads a run’s connections from connection_ids and, for an older run, connection_id', () => {
    expect(runConnectionIds({ connectionIds: ['con_a', 'con_b'], connectionId: 'con_a' })).toEqual([
      'con_a',
      'con_b',
    ]);
    expect(runConnectionIds({ connectionIds: [], connectionId: 'con_a' })).toEqual(['con_a']);
    expect(runConnectionIds({ connectionIds: [], connectionId: null })).toEqual([]);
  });

  it('adds every SQL step of the stored plan, and answers null for a plan it cannot read with no ids', () => {
    const planned = newId('connection');
    const plan = {
      steps: [
        {
          kind: 'sql',
          cellId: newId('cell'),
          name: 'pay',
          connectionId: planned,
          sql: 'select 1',
          params: [],
        },
        { kind: 'js', cellId: newId('cell'), name: 'view', source: 'return pay', uses: ['pay'] },
      ],
      inputs: {},
    };
    expect(runConnectionIds({ connectionIds: [], connectionId: null, plan })).toEqual([planned]);
    expect(runConnectionIds({ connectionIds: ['con_a'], connectionId: null, plan })).toEqual([
      'con_a',
      planned,
    ]);
    expect(
      runConnectionIds({ connectionIds: [], connectionId: null, plan: { steps: 'tampered' } }),
    ).toBeNull();
    expect(
      runConnectionIds({ connectionIds: ['con_a'], connectionId: null, plan: { steps: 'tampered' } }),
    ).toEqual(['con_a']);
    expect(runConnectionIds({ connectionIds: [], connectionId: null, plan: null })).toEqual([]);
  });
});
