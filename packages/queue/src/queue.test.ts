import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queue, startQueue } from './boss';
import { jobCatalog, RUN_STATEMENT_TIMEOUT_MS } from './catalog';

let database: TestDatabase;
let queue: Queue;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = await startQueue(database.url, { supervise: false });
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await database?.drop();
});

describe("pg-boss's warnings", () => {
  it('are logged with their message and kind, and nothing else they carry', () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      queue.boss.emit('warning', {
        message: 'Warning: autovacuum is disabled, so nothing is reclaiming completed jobs',
        data: { type: 'autovacuum_disabled', jobs: ['a job id'] },
      });
    } finally {
      process.stderr.write = write;
    }
    expect(written.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'warn',
        msg: 'queue warning',
        warning: 'Warning: autovacuum is disabled, so nothing is reclaiming completed jobs',
        type: 'autovacuum_disabled',
      },
    ]);
  });
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

  it("sends pg-boss's statements that take parameters as named prepared statements, once per connection", async () => {
    const db = queue.boss.getDb() as unknown as {
      executeSql(text: string, values?: unknown[]): Promise<{ rows: { name: string; mine: number }[] }>;
    };
    // Prepared before it runs, so it finds itself among its connection's named statements.
    const text = `select name, $1::int as mine from pg_prepared_statements where statement = current_query()`;
    const { rows } = await db.executeSql(text, [7]);
    expect(rows).toEqual([{ name: expect.stringMatching(/^pgboss_[0-9a-f]{32}$/), mine: 7 }]);
    // Without parameters (pg-boss's scripts of several statements among them), the driver's own way.
    const plain = await db.executeSql('select 1 as one; select 2 as two');
    expect(Array.isArray(plain)).toBe(true);
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
