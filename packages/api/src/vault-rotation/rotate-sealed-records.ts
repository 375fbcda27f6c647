import type { Db } from '@quarry/db';
import type { Vault, VaultErrorCode } from '@quarry/vault';
import { readBatch, readRecord, swapRecord } from './sealed-column-queries';
import { type KeyValue, SEALED_COLUMNS, type SealedColumn } from './sealed-columns';

/** Per kind of record. `checked` = `rewrapped` + `alreadyCurrent` + `failed` + `vanished`. */
export type RotationCounts = {
  checked: number;
  /** Was under an older key and now is under the active one. */
  rewrapped: number;
  /** Already under the active key: left untouched. */
  alreadyCurrent: number;
  /** Could not be opened (unknown key, altered, malformed): left as it was, and listed. */
  failed: number;
  /** Deleted, or its sealed column cleared, by the running app between the read and the write. */
  vanished: number;
};

/** Why a record could not be re-wrapped: the vault's error, or it changed on every attempt. */
export type RotationFailureCode = VaultErrorCode | 'rotation.kept_changing';

/**
 * A record that was not re-wrapped: its kind, its primary key (`run_…:3` for a chunk) and, when its
 * header is readable, the id of the key it is sealed under (a hash prefix, safe to print). Never its bytes.
 */
export type RotationFailure = { kind: string; id: string; code: RotationFailureCode; keyId?: string };

export type RotationProgress = { kind: string; batch: number; counts: RotationCounts };

export type RotationReport = {
  activeKeyId: string;
  kinds: { kind: string; counts: RotationCounts }[];
  failures: RotationFailure[];
  /** False when the signal stopped it early; running it again continues (the records say where). */
  completed: boolean;
};

export type RotateSealedRecordsInput = {
  db: Db;
  vault: Vault;
  batchSize?: number;
  /** Checked between batches: the batch in hand finishes, so no record is left half-written. */
  signal?: AbortSignal;
  /** After each batch, with the kind's running counts. */
  onProgress?: (progress: RotationProgress) => void | Promise<void>;
  /** The columns to walk; every sealed column unless a caller narrows it. */
  columns?: readonly SealedColumn[];
  /**
   * Runs between reading a record and writing it back: the window in which the app may edit it.
   * Tests use it to make that edit happen; production leaves it unset.
   */
  beforeWrite?: (record: { kind: string; keys: readonly KeyValue[] }) => void | Promise<void>;
};

export const DEFAULT_ROTATION_BATCH_SIZE = 100;

/** A record edited this many times in a row while we tried to swap it is reported, not chased. */
const MAX_ATTEMPTS = 5;

type Outcome =
  | { result: 'rewrapped' | 'alreadyCurrent' | 'vanished' }
  | { result: 'failed'; code: RotationFailureCode; keyId?: string };

const zeroCounts = (): RotationCounts => ({
  checked: 0,
  rewrapped: 0,
  alreadyCurrent: 0,
  failed: 0,
  vanished: 0,
});

/**
 * Re-wraps every sealed record under the vault's active key (VAULT-4), kind by kind, in batches
 * paged by primary key. It keeps no state of its own: a record's key id says whether it is done,
 * so a second run rewrites nothing and an interrupted run, started again, simply continues. Each
 * write is a compare-and-swap on the old bytes, so it is safe while the app serves: a record the
 * app changed meanwhile is read again and retried. A record that fails to open is counted and
 * listed, and the others carry on. Throws only for database faults.
 */
export async function rotateSealedRecords(input: RotateSealedRecordsInput): Promise<RotationReport> {
  const { db, vault, signal } = input;
  const batchSize = input.batchSize ?? DEFAULT_ROTATION_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new RangeError('The batch size must be a positive integer');

  const report: RotationReport = {
    activeKeyId: vault.activeKeyId,
    kinds: [],
    failures: [],
    completed: false,
  };

  const rotateOne = async (
    entry: SealedColumn,
    row: { keys: KeyValue[]; workspaceId: string; record: Buffer | null },
  ): Promise<Outcome> => {
    const context = entry.context({ workspaceId: row.workspaceId, keys: row.keys });
    let record = row.record ?? (await readRecord(db, entry, row.keys));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (record === null) return { result: 'vanished' };
      const keyId = vault.keyIdOf(record);
      if (keyId.ok && keyId.value === vault.activeKeyId) return { result: 'alreadyCurrent' };
      const failed = (code: RotationFailureCode): Outcome =>
        keyId.ok ? { result: 'failed', code, keyId: keyId.value } : { result: 'failed', code };
      const rewrapped = vault.rewrap(record, context);
      if (!rewrapped.ok) return failed(rewrapped.error.code);
      // `rewrap` checks the wrapped key only; opening the result checks the body too, so a record
      // reported as re-wrapped is one the new key alone can open.
      const opened = vault.open(rewrapped.value, context);
      if (!opened.ok) return failed(opened.error.code);
      opened.value.fill(0);
      await input.beforeWrite?.({ kind: entry.kind, keys: row.keys });
      if (await swapRecord(db, entry, { keys: row.keys, previous: record, next: rewrapped.value }))
        return { result: 'rewrapped' };
      record = await readRecord(db, entry, row.keys);
    }
    return { result: 'failed', code: 'rotation.kept_changing' };
  };

  for (const entry of input.columns ?? SEALED_COLUMNS) {
    const counts = zeroCounts();
    report.kinds.push({ kind: entry.kind, counts });
    let after: KeyValue[] | null = null;
    for (let batch = 1; ; batch += 1) {
      if (signal?.aborted) return report;
      const rows = await readBatch(db, entry, { after, limit: batchSize });
      for (const row of rows) {
        const outcome = await rotateOne(entry, row);
        counts.checked += 1;
        counts[outcome.result] += 1;
        if (outcome.result === 'failed') {
          const { code, keyId } = outcome;
          report.failures.push({
            kind: entry.kind,
            id: row.keys.join(':'),
            code,
            ...(keyId ? { keyId } : {}),
          });
        }
      }
      const last = rows.at(-1);
      if (last) {
        after = last.keys;
        await input.onProgress?.({ kind: entry.kind, batch, counts: { ...counts } });
      }
      if (rows.length < batchSize) break;
    }
  }
  report.completed = true;
  return report;
}
