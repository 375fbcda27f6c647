import { generateIdentityKey, identityInstallSql, identityKeySql, samplePolicySql } from '@quarry/connectors';
import type { TestWarehouse, WorkspaceFixture } from '@quarry/db/testing';
import { createQuarryClient, QuarryClientError } from '@quarry/sdk';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './server';
import { type ApiWithRunner, startApiWithRunner } from './testing/start-api-with-runner';

/**
 * CONN-5 end to end: the API, a runner and the SDK over a warehouse whose row-level security reads
 * the identity the runner signs. Two members of one project see their own rows; a cell that replays
 * a colleague's claims sees none of the colleague's.
 */
const PASSWORD = 'identity passthrough password 1';
const SCHEMA = `qi_e2e_${Math.random().toString(36).slice(2, 8)}`;
const OWNER = `${SCHEMA}_owner`;
let stack: ApiWithRunner;
let fixture: WorkspaceFixture;
let api: RunningApi;
let warehouse: TestWarehouse;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 1, password: PASSWORD });
  ({ fixture, api, warehouse } = stack);
  const key = generateIdentityKey();
  const admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`
      create table public.notes (id int primary key, owner_id text not null, group_id text, note text not null);
      grant select on public.notes to ${warehouse.reader.username};`);
    await admin`insert into public.notes ${admin([
      { id: 1, owner_id: fixture.users.editor.id, group_id: null, note: 'editor 1' },
      { id: 2, owner_id: fixture.users.editor.id, group_id: null, note: 'editor 2' },
      { id: 3, owner_id: fixture.users.manager.id, group_id: null, note: 'manager 1' },
    ])}`;
    await admin.unsafe(
      identityInstallSql({ schema: SCHEMA, readerRoles: [warehouse.reader.username], ownerRole: OWNER }),
    );
    await admin.unsafe(identityKeySql({ schema: SCHEMA, key, workspaceId: fixture.workspaceId }));
    await admin.unsafe(samplePolicySql({ schema: SCHEMA, table: 'public.notes', userColumn: 'owner_id' }));
  } finally {
    await admin.end({ timeout: 5 });
  }
  // The Admin turns identity passthrough on for the workspace connection, with the key.
  const adminClient = createQuarryClient({
    url: api.url,
    token: await stack.tokenFor(fixture.users.admin.email),
  });
  const current = await adminClient.api.connections.get.query({ connectionId: fixture.connectionId });
  await adminClient.api.connections.update.mutate({
    connectionId: fixture.connectionId,
    name: current.name,
    settings: { ...current.settings, passIdentity: true, identitySchema: SCHEMA },
    secrets: { identityKey: key },
  });
});

afterAll(async () => {
  await stack?.stop();
  const server = new URL(warehouse.adminUrl);
  server.pathname = '/postgres';
  const sql = postgres(server.toString(), { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop role if exists ${OWNER}`).finally(() => sql.end({ timeout: 5 }));
});

async function rowsOf(email: string, sql: string) {
  const client = createQuarryClient({ url: api.url, token: await stack.tokenFor(email) });
  const result = await client.query({ projectId: fixture.projectId, cellId: fixture.cellId, sql });
  const rows: unknown[][] = [];
  try {
    for await (const row of result.rows) rows.push(row);
  } catch (error) {
    if (error instanceof QuarryClientError) return { rows, code: error.code };
    throw error;
  }
  return { rows, code: null };
}

describe("the reader's identity at the warehouse (CONN-5)", () => {
  it('shows two readers of the same project and connection their own rows', async () => {
    expect(await rowsOf(fixture.users.editor.email, 'select note from public.notes order by id')).toEqual({
      rows: [['editor 1'], ['editor 2']],
      code: null,
    });
    expect(await rowsOf(fixture.users.manager.email, 'select note from public.notes order by id')).toEqual({
      rows: [['manager 1']],
      code: null,
    });
  });

  it("gives a cell that replays a colleague's claims, or forges its own, none of the colleague's rows", async () => {
    const captured = await rowsOf(
      fixture.users.manager.email,
      "select current_setting('quarry.claims') as c",
    );
    const token = String(captured.rows[0]?.[0]);
    expect(token.length).toBeGreaterThan(20);
    const replayed = await rowsOf(
      fixture.users.editor.email,
      `select n.note from (select set_config('quarry.claims', '${token.replaceAll("'", "''")}', true)) as s,
         public.notes n order by n.id`,
    );
    expect(replayed.rows.flat()).not.toContain('manager 1');
    const forged = await rowsOf(
      fixture.users.editor.email,
      `with f as (select set_config('quarry.claims', '{"sub":"${fixture.users.manager.id}"}', true))
       select n.note from f, public.notes n order by n.id`,
    );
    expect(forged.rows.flat()).not.toContain('manager 1');
  });

  it('tells the reader clearly when the warehouse does not hold the key', async () => {
    const admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`delete from "${SCHEMA}".signing_key`);
      expect(await rowsOf(fixture.users.editor.email, 'select note from public.notes')).toMatchObject({
        rows: [],
        code: 'connector.identity_rejected',
      });
    } finally {
      await admin.end({ timeout: 5 });
    }
  });
});
