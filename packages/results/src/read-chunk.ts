import { isUtf8 } from 'node:buffer';
import type { Column } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import type { Vault } from '@quarry/vault';
import {
  copyChunksOut,
  INLINE_READ_BYTES,
  type NextChunksOf,
  type ReadChunk,
  type RunState,
  readRunWithChunksInline,
} from './chunk-copy';
import { chunkContext, parseColumnsChunk, VALUE_CHUNK_MARK } from './chunk-format';

/**
 * An opened chunk: the columns, a batch of rows kept as text for the reader to parse, or a JS
 * cell's value as JSON text.
 */
export type ChunkBody =
  | { kind: 'columns'; columns: Column[] }
  | { kind: 'rows'; text: string; rowCount: number }
  | { kind: 'value'; json: string };

/**
 * Text of a chunk's plaintext bytes (or of the part from `start` to `end`, cut on a row boundary);
 * bytes that are not UTF-8 throw, as the vault's openText does. Checked by isUtf8 and decoded by
 * Buffer's toString, which keeps ASCII text a one-byte string, where TextDecoder answers two bytes
 * a character (a 48 KiB piece of rows became 100 KiB of heap).
 */
export function chunkText(bytes: Buffer, start = 0, end = bytes.length): string {
  const part = bytes.subarray(start, end);
  if (!isUtf8(part)) throw new Error('run chunk could not be decrypted: vault.bad_format');
  return part.toString('utf8');
}

/** An opened chunk with its rows still as the plaintext's bytes (UTF-8 text), for a reader that cuts them up. */
export type ChunkBytes =
  | { kind: 'columns'; columns: Column[] }
  | { kind: 'rows'; bytes: Buffer; rowCount: number }
  | { kind: 'value'; json: string };

/** A chunk read and not opened yet (see readNextChunks). */
export type NextChunk = {
  seq: number;
  /** Expired: it cannot be opened, and the result has a hole. */
  expired: boolean;
  /** Larger than a chunk read inline (INLINE_READ_BYTES): the next ones are likely read by COPY. */
  large: boolean;
  open: () => ChunkBody;
  openBytes: () => ChunkBytes;
};

/**
 * The run's next chunks: the first `max` at or after `fromSeq` (1 when unset), none when there is
 * none (yet). One that expired by `now` comes back `expired` and cannot be opened: the result has a
 * hole. Opening a chunk (decrypting; a moved or altered chunk throws) is left to the caller, who
 * may refuse a gap first: `open` answers the rows as one string, `openBytes` as the decrypted
 * bytes, so a large chunk can be handed on in pieces without ever being one string.
 */
export async function readNextChunks(
  db: Db,
  vault: Vault,
  input: NextChunksOf & {
    /** False when these chunks are expected large (the last ones were): read by COPY at once. */
    inline?: boolean;
  },
): Promise<NextChunk[]> {
  const chunks = await copyChunksOut(db, input);
  return chunks.map((chunk) => toNextChunk(vault, input, chunk));
}

/**
 * The run as its reader knows it and its next chunks, in one statement (readRunWithChunksInline):
 * what readNextChunks answers after a read of the run, for a reader that expects small chunks; the
 * chunks before `deliveredBefore` delivered, and every chunk of an ended run with nothing left
 * (`cleared`), by the same statement. A chunk too large to read inline is read by COPY, in a second
 * round trip.
 */
export async function readRunAndNextChunks(
  db: Db,
  vault: Vault,
  input: NextChunksOf & { deliveredBefore?: number },
): Promise<{ run: RunState | undefined; chunks: NextChunk[]; cleared: boolean }> {
  const read = await readRunWithChunksInline(db, input);
  const chunks = read.chunks ?? (await copyChunksOut(db, { ...input, inline: false }));
  return {
    run: read.run,
    chunks: chunks.map((chunk) => toNextChunk(vault, input, chunk)),
    cleared: read.cleared,
  };
}

/** The run's next chunk, or null (see readNextChunks). */
export async function readNextChunk(
  db: Db,
  vault: Vault,
  input: { workspaceId: string; runId: string; fromSeq: number; now: Date },
): Promise<NextChunk | null> {
  return (await readNextChunks(db, vault, input))[0] ?? null;
}

function toNextChunk(
  vault: Vault,
  input: { workspaceId: string; runId: string },
  chunk: ReadChunk,
): NextChunk {
  const { seq, rowCount } = chunk;
  const context = chunkContext(input.workspaceId, input.runId, seq);
  // The sealed bytes are let go once opened (a chunk opens once): the reader then holds only the
  // plaintext while it hands it on.
  let payload: Buffer | null = chunk.payload;
  const expired = payload === null;
  const large = (payload?.length ?? 0) > INLINE_READ_BYTES;
  const openBytes = (): ChunkBytes => {
    if (expired) throw new Error('run chunk expired');
    if (!payload) throw new Error('run chunk was opened already');
    const opened = vault.open(payload, context);
    if (!opened.ok) throw new Error(`run chunk could not be decrypted: ${opened.error.code}`);
    payload = null;
    if (rowCount > 0) return { kind: 'rows', bytes: opened.value, rowCount };
    const text = chunkText(opened.value);
    if (text.startsWith(VALUE_CHUNK_MARK))
      return { kind: 'value', json: text.slice(VALUE_CHUNK_MARK.length) };
    return { kind: 'columns', columns: parseColumnsChunk(text) };
  };
  return {
    seq,
    expired,
    large,
    openBytes,
    open: () => {
      const body = openBytes();
      return body.kind === 'rows'
        ? { kind: 'rows', text: chunkText(body.bytes), rowCount: body.rowCount }
        : body;
    },
  };
}
