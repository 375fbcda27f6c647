import type { Cell, Column } from '@quarry/contracts';
import type { Vault, VaultContext } from '@quarry/vault';

/**
 * A run's result travels from runner to API as sealed chunks. The first holds the columns
 * (`{"columns":[…]}`, row count 0); every other one is a batch of rows as text, in one of two forms:
 * - JSON text of `Cell[][]` (starts with `[`): rows a connector built as cells (the cursor path,
 *   MySQL, anything that looked at each row);
 * - PostgreSQL's COPY text, as the server sent it, behind one framing line: `copy:` and one letter
 *   per column saying what the reader makes of its text (`b` a boolean from `t`/`f`, `n` a number,
 *   `s` the text itself), then a newline, then whole rows of COPY text (values separated by tabs,
 *   rows ended by newlines, `\N` for NULL, backslash escapes). The letters give the same cells the
 *   cursor path gives (postgres.js parses bool, int2 and int4; everything else stays the server's
 *   text, types-map.ts).
 * `parseRowBatch` (@quarry/contracts) reads both. The API never parses a row batch: it decrypts the
 * text and passes it on, so no JS object is built per row between the database and the reader.
 */
export const chunkContext = (workspaceId: string, runId: string, seq: number): VaultContext => ({
  workspaceId,
  recordId: `${runId}:${seq}`,
  purpose: 'run.chunk',
});

export function sealColumns(vault: Vault, context: VaultContext, columns: Column[]): Buffer {
  return vault.seal(JSON.stringify({ columns }), context);
}

export function sealRows(vault: Vault, context: VaultContext, rows: Cell[][]): Buffer {
  return vault.seal(JSON.stringify(rows), context);
}

/** What starts a batch of COPY text (see above). */
export const COPY_BATCH_MARK = 'copy:';

/** The letter of each column for a batch of COPY text: how its text becomes a cell. */
export function copyColumnLetters(columns: readonly Column[]): string {
  return columns
    .map((c) => (c.dbType === 'bool' ? 'b' : c.dbType === 'int2' || c.dbType === 'int4' ? 'n' : 's'))
    .join('');
}

/** Seals whole rows of COPY text behind their framing line (`copy:<letters>\n`). */
export function sealCopyText(vault: Vault, context: VaultContext, letters: string, text: Buffer): Buffer {
  const head = Buffer.from(`${COPY_BATCH_MARK}${letters}\n`, 'latin1');
  return vault.seal(Buffer.concat([head, text], head.length + text.length), context);
}

/** What starts the chunk of a JS cell's value result (the value's JSON text follows). */
export const VALUE_CHUNK_MARK = 'value:';

/** Seals a JS cell's value result: its JSON text behind VALUE_CHUNK_MARK. */
export function sealValue(vault: Vault, context: VaultContext, json: string): Buffer {
  return vault.seal(`${VALUE_CHUNK_MARK}${json}`, context);
}

/** The chunk's plaintext; a chunk that fails authentication (moved, altered) throws. */
export function openChunkText(vault: Vault, context: VaultContext, payload: Uint8Array): string {
  const text = vault.openText(payload, context);
  if (!text.ok) throw new Error(`run chunk could not be decrypted: ${text.error.code}`);
  return text.value;
}

export function parseColumnsChunk(text: string): Column[] {
  const body = JSON.parse(text) as { columns?: Column[] };
  if (!Array.isArray(body.columns)) throw new Error('run chunk holds no columns');
  return body.columns;
}

/**
 * The channel the runner notifies with a run id whenever that run has news (a chunk, a status):
 * the id alone, or the id and RUN_STATUS_NEWS when only its status changed (taken by a runner), so
 * a reader need not look for chunks.
 */
export const RUN_EVENTS_CHANNEL = 'quarry_run_events';
export const RUN_STATUS_NEWS = ' status';

/** Chunks not delivered within this long are swept (data minimisation). */
export const RUN_CHUNK_TTL_MS = 15 * 60_000;
