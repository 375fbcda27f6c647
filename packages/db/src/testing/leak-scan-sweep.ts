import { observe, sweepTestDatabase, textForScan } from '@quarry/leak-scan';
import type { DbClient } from '../client';

/**
 * Before a test database is dropped: each audit row goes to the leak scan as `audit:<action>` (an
 * audit entry must never carry a credential), then every registered sweeper runs (the API's testing
 * module opens the sealed columns it knows, so values the product sealed in its own process are
 * checked against everything the file saw).
 */
export async function sweepForLeakScan(client: DbClient): Promise<void> {
  const [audit] = await client.sql<{ present: boolean }[]>`
    select to_regclass('public.audit_events') is not null as present`;
  if (audit?.present) {
    const rows = await client.sql<{ action: string }[]>`select * from audit_events order by id`;
    for (const row of rows) observe(textForScan(row), `audit:${row.action}`);
  }
  await sweepTestDatabase(client);
}
