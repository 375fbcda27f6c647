import { createHash, randomUUID } from 'node:crypto';
import { newId } from '@quarry/db';
import { cells, connectionCredentialsContext, connections } from '@quarry/db/schema';
import { TEST_READER_PASSWORD } from '@quarry/db/testing';
import { leakScan, sweepTestDatabase } from '@quarry/leak-scan';
import { loadVaultFromEnv } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from './harness';

// The scan itself is tested in tooling/leak-scan; these prove the harness feeds it: a credential a
// procedure sends back, a logger is handed, or the API sealed in its own vault is reported.
let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(async () => {
  await h?.close();
});

const sha8 = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 8);

describe('the harness and the leak scan (issue 9 item 4)', () => {
  it('reports the fixture warehouse password when a procedure sends it back, by procedure, not by value', async () => {
    const editor = await h.as(h.a, 'editor');
    // A crafted response: the password written straight into the cell (no procedure, no audit
    // entry), so projects.get carries it back as the cell's SQL.
    const [before] = await h.database.db.select().from(cells).where(eq(cells.id, h.a.cellId));
    await h.database.db
      .update(cells)
      .set({ source: `select '${TEST_READER_PASSWORD}' as leaked` })
      .where(eq(cells.id, h.a.cellId));
    try {
      await editor.projects.get({ projectId: h.a.projectId });
    } finally {
      await h.database.db
        .update(cells)
        .set({ source: before?.source ?? '' })
        .where(eq(cells.id, h.a.cellId));
    }
    expect(await leakScan().takeLeaks()).toEqual([
      {
        where: 'response:projects.get',
        origin: 'connection.credentials',
        length: TEST_READER_PASSWORD.length,
        hash: sha8(TEST_READER_PASSWORD),
        form: 'plain',
      },
    ]);
    // The same procedure without the password in the cell is clean.
    await editor.projects.get({ projectId: h.a.projectId });
    expect(await leakScan().takeLeaks()).toEqual([]);
  });

  it('reports a credential handed to the API logger', async () => {
    h.deps.log.info({ connectionId: h.a.connectionId }, 'connection tested');
    expect(await leakScan().takeLeaks()).toEqual([]);
    h.deps.log.error(
      { err: new Error(`password authentication failed: ${TEST_READER_PASSWORD}`) },
      'test failed',
    );
    expect((await leakScan().takeLeaks()).map((leak) => leak.where)).toEqual(['log:api']);
  });

  it('registers a secret the API sealed in its own vault when the test database is swept', async () => {
    // Another vault under the same master key stands for the API process's own (startTestApi).
    const apiVault = loadVaultFromEnv({ QUARRY_MASTER_KEY: h.masterKey });
    if (!apiVault.ok) throw new Error(apiVault.error.message);
    const password = randomUUID();
    const id = newId('connection');
    await h.database.db.insert(connections).values({
      id,
      workspaceId: h.a.workspaceId,
      name: `sealed elsewhere ${id}`,
      kind: 'postgres',
      settings: {},
      credentials: apiVault.value.seal(
        JSON.stringify({ password }),
        connectionCredentialsContext(h.a.workspaceId, id),
      ),
      createdBy: h.a.users.admin.id,
    });
    leakScan().observe(`{"level":50,"msg":"could not connect","detail":"${password}"}`, 'log:runner');
    expect(await leakScan().takeLeaks()).toEqual([]);
    await sweepTestDatabase(h.database);
    expect((await leakScan().takeLeaks()).map((leak) => [leak.where, leak.origin])).toEqual([
      ['log:runner', 'connection.credentials'],
    ]);
    await h.database.db.delete(connections).where(eq(connections.id, id));
  });
});
