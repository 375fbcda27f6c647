import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConsumedFlows } from './consumed-flows';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

describe('consumed flows', () => {
  it('accepts a flow once and refuses it until it would have expired', async () => {
    const flows = databaseConsumedFlows(database.db);
    const t = Date.now();
    expect(await flows.consume('state-a', t + 1_000, t)).toBe(true);
    expect(await flows.consume('state-a', t + 1_000, t + 500)).toBe(false);
    expect(await flows.consume('state-b', t + 1_000, t + 500)).toBe(true);
    // Past its expiry the entry is dropped; the flow cookie's own expiry refuses it by then.
    expect(await flows.consume('state-a', t + 3_000, t + 2_000)).toBe(true);
  });

  it('refuses a replay that reaches another API process', async () => {
    const t = Date.now();
    expect(await databaseConsumedFlows(database.db).consume('state-c', t + 60_000, t)).toBe(true);
    expect(await databaseConsumedFlows(database.db).consume('state-c', t + 60_000, t + 1)).toBe(false);
  });

  it('keeps only a hash of the state', async () => {
    const rows = await database.sql`select state_hash from sso_consumed_flows`;
    expect(JSON.stringify(rows)).not.toContain('state-');
  });
});
