import type { Db } from '@quarry/db';
import { type SQL, sql } from 'drizzle-orm';
import type { KeyValue, SealedColumn } from './sealed-columns';

/**
 * Records up to this size come back with their batch; bigger ones (result chunks reach megabytes)
 * are read one at a time, so a batch never holds more than batch size × this in memory.
 */
const INLINE_BYTES = 64 * 1024;

/** One row of a batch; `record` is null when it was too big to come inline (read it with `readRecord`). */
export type BatchRow = { keys: KeyValue[]; workspaceId: string; record: Buffer | null };

const source = (entry: SealedColumn): SQL =>
  entry.join ? sql`${entry.table} join ${entry.join.table} on ${entry.join.on}` : sql`${entry.table}`;

const keyList = (entry: SealedColumn): SQL => sql.join([...entry.keys], sql`, `);

const keyMatch = (entry: SealedColumn, keys: readonly KeyValue[]): SQL =>
  sql.join(
    entry.keys.map((column, index) => sql`${column} = ${keys[index]}`),
    sql` and `,
  );

const keysOf = (entry: SealedColumn, row: Record<string, unknown>): KeyValue[] =>
  entry.keys.map((_, index) => {
    const value = row[`k${index}`];
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new Error(`${entry.kind}: key column ${index} is neither text nor a number`);
    return value;
  });

const bufferOrNull = (value: unknown): Buffer | null => (Buffer.isBuffer(value) ? value : null);

/**
 * The next `limit` non-null records after `after` (keyset pagination on the primary key, so pages
 * stay stable while rows come and go, and each query is an index range scan).
 */
export async function readBatch(
  db: Db,
  entry: SealedColumn,
  input: { after: readonly KeyValue[] | null; limit: number },
): Promise<BatchRow[]> {
  const after = input.after
    ? sql`and (${keyList(entry)}) > (${sql.join(
        input.after.map((value) => sql`${value}`),
        sql`, `,
      )})`
    : sql``;
  const selectKeys = sql.join(
    entry.keys.map((column, index) => sql`${column} as ${sql.identifier(`k${index}`)}`),
    sql`, `,
  );
  const rows = await db.execute(sql`
    select ${selectKeys}, ${entry.workspaceId} as workspace_id,
      case when octet_length(${entry.column}) <= ${INLINE_BYTES} then ${entry.column} end as record
    from ${source(entry)}
    where ${entry.column} is not null ${after}
    order by ${keyList(entry)}
    limit ${input.limit}`);
  return rows.map((row) => ({
    keys: keysOf(entry, row),
    workspaceId: String(row.workspace_id),
    record: bufferOrNull(row.record),
  }));
}

/** The record as it is now; null when its row was deleted or its column cleared. */
export async function readRecord(
  db: Db,
  entry: SealedColumn,
  keys: readonly KeyValue[],
): Promise<Buffer | null> {
  const [row] = await db.execute(
    sql`select ${entry.column} as record from ${entry.table} where ${keyMatch(entry, keys)}`,
  );
  return bufferOrNull(row?.record);
}

/**
 * Compare-and-swap: writes `next` only if the column still holds exactly `previous`, so an edit
 * made by the running app since the read is never overwritten. True when the row was written.
 */
export async function swapRecord(
  db: Db,
  entry: SealedColumn,
  input: { keys: readonly KeyValue[]; previous: Buffer; next: Buffer },
): Promise<boolean> {
  const rows = await db.execute(sql`
    update ${entry.table} set ${sql.identifier(entry.column.name)} = ${input.next}
    where ${keyMatch(entry, input.keys)} and ${entry.column} = ${input.previous}
    returning true as swapped`);
  return rows.length === 1;
}
