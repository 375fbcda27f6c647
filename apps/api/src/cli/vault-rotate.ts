import {
  DEFAULT_ROTATION_BATCH_SIZE,
  type RotationCounts,
  type RotationFailure,
  type RotationFailureCode,
  type RotationReport,
  rotateSealedRecords,
} from '@quarry/api';
import { createDb } from '@quarry/db';
import { loadVaultFromEnv, type VaultEnv } from '@quarry/vault';

/** How many failed records the summary names one by one; the rest are counted. */
const LISTED_FAILURES = 50;

/** Exit codes: 0 done, 1 some records failed, 2 nothing could start, 130 interrupted. */
export type VaultRotateExit = 0 | 1 | 2 | 130;

export type VaultRotateInput = {
  databaseUrl: string;
  keys: VaultEnv;
  batchSize?: number;
  signal?: AbortSignal;
  /** Where lines go (stdout in the CLI); never handed a key, a plaintext or a record's bytes. */
  out: (line: string) => void;
  err: (line: string) => void;
};

const HEADERS = ['kind', 'checked', 're-wrapped', 'already current', 'failed', 'gone'] as const;

const rowOf = (kind: string, c: RotationCounts) => [
  kind,
  String(c.checked),
  String(c.rewrapped),
  String(c.alreadyCurrent),
  String(c.failed),
  String(c.vanished),
];

const table = (report: RotationReport): string[] => {
  const rows = [[...HEADERS], ...report.kinds.map(({ kind, counts }) => rowOf(kind, counts))];
  const widths = HEADERS.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map(
    (row) =>
      `  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')}`,
  );
};

const advice: Record<RotationFailureCode, string> = {
  'vault.unknown_key': 'sealed under a key this command was not given; add it to QUARRY_PREVIOUS_MASTER_KEYS',
  'vault.tampered':
    'altered, or copied from another row; restore it from a backup, or delete it and enter it again',
  'vault.bad_format': 'not a sealed record; restore it from a backup, or delete it and enter it again',
  'vault.context_mismatch': 'its row does not say which workspace it belongs to',
  // Only when loading keys, which happens before any record is read; listed to keep the table whole.
  'vault.bad_master_key': 'a master key is malformed',
  'rotation.kept_changing': 'the app changed it on every attempt; run the command again',
};

const failureLine = (failure: RotationFailure) =>
  `  ✗ ${failure.kind} ${failure.id}${failure.keyId ? ` (under ${failure.keyId})` : ''}: ${failure.code}, ${advice[failure.code]}`;

/**
 * `quarry vault rotate`: re-wraps every sealed record under QUARRY_MASTER_KEY, printing a line per
 * batch and a summary per kind, then says whether the old keys may go. Prints key ids (hash
 * prefixes) and record ids only: never a key, a plaintext or a record's bytes.
 */
export async function vaultRotate(input: VaultRotateInput): Promise<VaultRotateExit> {
  const { out, err } = input;
  const loaded = loadVaultFromEnv(input.keys);
  if (!loaded.ok) {
    err(`${loaded.error.message}${loaded.error.hint ? `\n${loaded.error.hint}` : ''}`);
    return 2;
  }
  const vault = loaded.value;
  const batchSize = input.batchSize ?? DEFAULT_ROTATION_BATCH_SIZE;
  const { db, sql, close } = createDb(input.databaseUrl, { max: 1, applicationName: 'quarry-cli' });
  try {
    const [schema] = await sql<{ ok: boolean }[]>`select to_regclass('connections') is not null as ok`;
    if (!schema?.ok) {
      err(
        "This database holds no Quarry schema yet: run `npm start` once, or point DATABASE_URL at Quarry's database",
      );
      return 2;
    }
    if ((input.keys.QUARRY_PREVIOUS_MASTER_KEYS ?? '').trim() === '')
      out(
        'QUARRY_PREVIOUS_MASTER_KEYS is empty: records sealed under any other key will be reported as failed.',
      );
    out(`Re-wrapping sealed records under master key ${vault.activeKeyId}, ${batchSize} per batch.`);
    const report = await rotateSealedRecords({
      db,
      vault,
      batchSize,
      ...(input.signal ? { signal: input.signal } : {}),
      onProgress: ({ kind, batch, counts }) =>
        out(
          `  ${kind} batch ${batch}: ${counts.checked} checked, ${counts.rewrapped} re-wrapped, ${counts.alreadyCurrent} already current, ${counts.failed} failed`,
        ),
    });

    out('');
    for (const line of table(report)) out(line);
    if (report.failures.length > 0) {
      out('');
      out(`${report.failures.length} record(s) could not be re-wrapped and were left as they were:`);
      for (const failure of report.failures.slice(0, LISTED_FAILURES)) out(failureLine(failure));
      if (report.failures.length > LISTED_FAILURES)
        out(`  … and ${report.failures.length - LISTED_FAILURES} more`);
    }
    out('');
    if (!report.completed) {
      out('Interrupted. Nothing is half-written: run `quarry vault rotate` again to continue.');
      return 130;
    }
    if (report.failures.length > 0) {
      out(
        'Keep the old keys in QUARRY_PREVIOUS_MASTER_KEYS: the records above still need them. Fix or delete them, then run this again.',
      );
      return 1;
    }
    out(
      `✓ Every sealed record is under master key ${vault.activeKeyId}. Once every Quarry process (api, query-runners) runs with this QUARRY_MASTER_KEY, it is safe to remove the old keys from QUARRY_PREVIOUS_MASTER_KEYS and restart them.`,
    );
    return 0;
  } finally {
    await close();
  }
}
