import { Cell, Column } from '@quarry/contracts';
import type { Vault, VaultContext } from '@quarry/vault';
import { z } from 'zod';

/** What one encrypted chunk holds: the columns (first chunk) and/or a batch of rows. */
export const ChunkBody = z.object({
  columns: z.array(Column).optional(),
  rows: z.array(z.array(Cell)).optional(),
});
export type ChunkBody = z.infer<typeof ChunkBody>;

export const chunkContext = (workspaceId: string, runId: string, seq: number): VaultContext => ({
  workspaceId,
  recordId: `${runId}:${seq}`,
  purpose: 'run.chunk',
});

export function sealChunk(vault: Vault, context: VaultContext, body: ChunkBody): Buffer {
  return vault.seal(JSON.stringify(body), context);
}

export function openChunk(vault: Vault, context: VaultContext, payload: Uint8Array): ChunkBody {
  const text = vault.openText(payload, context);
  if (!text.ok) throw new Error(`run chunk could not be decrypted: ${text.error.code}`);
  return ChunkBody.parse(JSON.parse(text.value));
}

/** The channel the runner notifies with a run id whenever that run has news (a chunk, a status). */
export const RUN_EVENTS_CHANNEL = 'quarry_run_events';

/** Chunks not delivered within this long are swept (data minimisation). */
export const RUN_CHUNK_TTL_MS = 15 * 60_000;
