import type { Db } from '@quarry/db';
import { registerSealedRecord, registerSweeper, SECRET_PURPOSES } from '@quarry/leak-scan';
import { getTableName, sql } from 'drizzle-orm';
import { readBatch, readRecord } from '../vault-rotation/sealed-column-queries';
import { SEALED_COLUMNS } from '../vault-rotation/sealed-columns';

const BATCH = 500;

/**
 * Registers, with the leak scan, every credential and secret a test database holds when it is
 * dropped: what the API sealed in its own process (startTestApi, a browser test's child processes),
 * or sealed and then deleted from a response's reach, counts as much as what the harness sealed.
 * It walks the rotation's list of sealed columns, so a new sealed column is swept without a change
 * here; records no test vault opens (another master key) are skipped.
 */
async function registerStoredSecrets(db: Db): Promise<void> {
  for (const entry of SEALED_COLUMNS) {
    if (!SECRET_PURPOSES.has(entry.kind)) continue;
    const table = getTableName(entry.table);
    const [present] = await db.execute(sql`select to_regclass(${`public.${table}`}) is not null as present`);
    if (present?.present !== true) continue;
    let after: readonly (string | number)[] | null = null;
    for (;;) {
      const rows = await readBatch(db, entry, { after, limit: BATCH });
      for (const row of rows) {
        const record = row.record ?? (await readRecord(db, entry, row.keys));
        if (record) registerSealedRecord(record, entry.context(row));
      }
      const last = rows.at(-1);
      if (rows.length < BATCH || !last) break;
      after = last.keys;
    }
  }
}

/**
 * From now on in this test file, each test database dropped has its stored credentials and secrets
 * registered first (idempotent). The harness calls it; so do helpers whose product seals elsewhere.
 */
export function sweepStoredSecretsOnDrop(): void {
  registerSweeper('sealed-columns', (database) => registerStoredSecrets((database as { db: Db }).db));
}
