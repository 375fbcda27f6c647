import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queue, startQueue } from './boss';
import { jobCatalog, RUN_STATEMENT_TIMEOUT_MS } from './catalog';
import { chunkContext, openChunkText, parseColumnsChunk, sealColumns, sealRows } from './run-chunk';

let database: TestDatabase;
let queue: Queue;
let vault: Vault;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = await startQueue(database.url, { supervise: false });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await database?.drop();
});

describe('the job catalog', () => {
  it('expires a run job only after the longest statement timeout (JOB-2)', () => {
    expect(jobCatalog['run.execute'].queue.expireInSeconds * 1000).toBeGreaterThan(RUN_STATEMENT_TIMEOUT_MS);
  });

  it('creates the run queue with its dead-letter queue and NOTIFY wake-ups (JOB-5)', async () => {
    const created = await queue.boss.getQueue('run.execute');
    expect(created).toMatchObject({ deadLetter: 'run.execute.dead', notify: true });
    expect(await queue.boss.getQueue('run.execute.dead')).not.toBeNull();
  });

  it('hands a worker the payload it was sent, parsed against its schema', async () => {
    const received = new Promise<unknown>((resolve) => {
      void queue.work('run.execute', { concurrency: 1 }, async (payload) => resolve(payload));
    });
    const id = await queue.send('run.execute', { runId: 'run_abc', workspaceId: 'wsp_abc' });
    expect(id).toMatch(/[0-9a-f-]{36}/);
    expect(await received).toEqual({ runId: 'run_abc', workspaceId: 'wsp_abc' });
  });

  it('refuses to send a payload that breaks its schema, and sends nothing', async () => {
    const before = await database.sql`select count(*)::int as n from pgboss.job where name = 'run.execute'`;
    await expect(queue.send('run.execute', { runId: 'not-a-run', workspaceId: 'wsp_abc' })).rejects.toThrow();
    const after = await database.sql`select count(*)::int as n from pgboss.job where name = 'run.execute'`;
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});

describe('run chunks', () => {
  it('round-trips columns and rows through the vault', () => {
    const context = chunkContext('wsp_a', 'run_a', 3);
    const sealed = sealRows(vault, context, [['1', 'delivered', null]]);
    expect(sealed.includes(Buffer.from('delivered'))).toBe(false);
    expect(JSON.parse(openChunkText(vault, context, sealed))).toEqual([['1', 'delivered', null]]);
    const columns = [{ name: 'id', type: 'bigint' as const, dbType: 'int8' }];
    expect(parseColumnsChunk(openChunkText(vault, context, sealColumns(vault, context, columns)))).toEqual(
      columns,
    );
  });

  it('refuses a chunk moved to another sequence number, run or workspace', () => {
    const sealed = sealRows(vault, chunkContext('wsp_a', 'run_a', 0), [[1]]);
    for (const context of [
      chunkContext('wsp_a', 'run_a', 1),
      chunkContext('wsp_a', 'run_b', 0),
      chunkContext('wsp_b', 'run_a', 0),
    ]) {
      expect(() => openChunkText(vault, context, sealed)).toThrow(/vault\.tampered/);
    }
  });
});
