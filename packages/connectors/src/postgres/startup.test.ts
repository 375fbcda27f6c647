import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, streamPostgres } from './stream';

/**
 * PgBouncer-style poolers (the pooler preset) refuse a startup message naming parameters they do
 * not track, such as statement_timeout: Quarry names only application_name, DateStyle and TimeZone
 * there, and sets the timeout with a query, where it still binds every statement of a run.
 */
let warehouse: TestWarehouse;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 1 });
});
afterAll(() => warehouse?.drop());

const config = () => ({ ...warehouse.settings, password: warehouse.reader.password });

describe('the startup message', () => {
  it('names no statement_timeout, which a pooler would refuse', async () => {
    const sql = connectPostgres(config(), { timeoutMs: 5_000, allow: LOOPBACK });
    try {
      const rows = await sql<{ name: string }[]>`
        select name from pg_settings where source = 'client' order by name`;
      expect(rows.map((row) => row.name)).not.toContain('statement_timeout');
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("still bounds a run's statement at the server", async () => {
    const events = [];
    for await (const event of streamPostgres(config(), 'select pg_sleep(5)', [], {
      rowLimit: 10,
      timeoutMs: 300,
      allow: LOOPBACK,
    })) {
      events.push(event);
    }
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'sql.timeout' } });
  });
});
