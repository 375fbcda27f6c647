import type { Cell, Column } from '@quarry/contracts';
import type { Vault, VaultContext } from '@quarry/vault';

/**
 * A run's result travels from runner to API as sealed chunks. The first holds the columns
 * (`{"columns":[…]}`, row count 0); every other one is the JSON text of a batch of rows. The API
 * never parses a row batch: it decrypts the text and passes it on, so no JS object is built per row
 * between the database and the reader.
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

/** The channel the runner notifies with a run id whenever that run has news (a chunk, a status). */
export const RUN_EVENTS_CHANNEL = 'quarry_run_events';

/** Chunks not delivered within this long are swept (data minimisation). */
export const RUN_CHUNK_TTL_MS = 15 * 60_000;
