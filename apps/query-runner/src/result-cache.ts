import { createHash } from 'node:crypto';
import type { MemberActor } from '@quarry/access';
import type { QuarryError } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { resultCacheEntries } from '@quarry/db/schema';
import {
  beginCacheEntry,
  type CacheChunk,
  CacheChunkError,
  type CacheKey,
  type CacheParam,
  type CacheWriter,
  cacheKeyFor,
  type EntryChunk,
  findFreshEntry,
  type RunChunkContent,
  readEntryChunks,
} from '@quarry/results';
import type { Vault, VaultError } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { recordCacheLookup } from './metrics';
import type { ReaderFacts } from './reader-identity';
import { checkResultsGate, type ResultsGateError } from './results-gate';

/**
 * An entry of at most this many chunks (the columns, the trailer and rows up to ~60,000 at the
 * runner's growing chunk sizes) is served from its checking read; a larger one is read twice.
 */
const HOLD_CHUNKS = 10;

export type ResultCacheDeps = { db: Db; vault: Vault; log: Logger; now: () => Date };

/** One statement of a run, as the cache sees it. */
export type CachedStatement = {
  workspaceId: string;
  runId: string;
  /** The run's connection row as loaded for this run (its policy and settings as they are now). */
  connection: {
    id: string;
    settings: Record<string, unknown>;
    cacheTtlSeconds: number | null;
    /** When the connection was last changed: a result computed before an edit is never served after it. */
    updatedAt: Date;
  };
  sql: string;
  params: readonly CacheParam[];
  rowLimit: number;
  /** The run's owner, who reads the result. */
  owner: MemberActor | null;
  /** The owner's identity facts as loaded for this run (`loadReaderFacts`); null when none. */
  reader: ReaderFacts | null;
  /** The reader asked for a fresh result: no cached one is served (the fresh one is still kept). */
  refresh: boolean;
};

/**
 * Whether runs of a connection pass the reader's identity to the warehouse (CONN-5). Anything but
 * an explicit off counts as on: a connection the cache misreads as identity-free would share one
 * reader's rows with another.
 */
export const passesIdentity = (settings: Record<string, unknown>): boolean =>
  settings.passIdentity !== undefined && settings.passIdentity !== null && settings.passIdentity !== false;

/**
 * The identity facts' key: every fact of the reader the warehouse can see (user, email, workspace,
 * groups with their names), in a canonical form where group order does not count. Every field of
 * the facts is in it, so a fact added to what the warehouse sees splits the cache without a change
 * here; it is only ever hashed into the HMAC'd cache key, never stored.
 */
export function identityFactsKey(reader: ReaderFacts): string {
  const groups = [...reader.groups]
    .map((g) => [g.id, g.name] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return JSON.stringify(canonical({ ...reader, groups }));
}

/**
 * The statement's cache key, or null when its result may not be cached: the policy is off, or the
 * connection passes identity and the reader's facts are unknown.
 */
export function cacheKeyOfStatement(statement: CachedStatement): CacheKey | null {
  if (statement.connection.cacheTtlSeconds === null) return null;
  return statementKey(statement);
}

/** The key of what decides the statement's result, or null when the reader's facts are missing. */
function statementKey(statement: CachedStatement): CacheKey | null {
  let identity: string | null = null;
  if (passesIdentity(statement.connection.settings)) {
    if (!statement.reader) return null;
    identity = identityFactsKey(statement.reader);
  }
  return cacheKeyFor({
    workspaceId: statement.workspaceId,
    connectionId: statement.connection.id,
    connectionVersion: statement.connection.updatedAt.toISOString(),
    sql: statement.sql,
    params: statement.params,
    rowLimit: statement.rowLimit,
    identity,
  });
}

/**
 * The statement's in-flight key (issue 11 point 3): the cache key's inputs exactly (connection and
 * its version, the SQL as it runs, the bound values with their types, the row limit, and the
 * reader's identity facts where the connection passes identity), whatever the connection's cache
 * policy, since a query in flight keeps nothing once it ends. Identical runs in one runner share a
 * warehouse query under it; null (never shared) when the connection passes identity and the reader's
 * facts are unknown. A SHA-256 of the key's material: the bound values stay out of the map's keys.
 */
export function inFlightKeyOf(statement: CachedStatement): string | null {
  const key = statementKey(statement);
  return key ? createHash('sha256').update(key.material).digest('hex') : null;
}

/**
 * Where a served chunk goes: the run's own result writer (its window, sealing and notification),
 * e.g. `(chunk) => writer.write(cachedChunkContent(chunk))`. A `{ ok: false }` answer (the result
 * was abandoned) stops serving with that error.
 */
export type RunChunkSink = (chunk: CacheChunk) => Promise<unknown>;

/** A result served from the cache: what the run finishes with, and how old the result is. */
export type CacheHit = { entryId: string; createdAt: Date; rowCount: number; truncated: boolean };

/**
 * Why nothing (or not all) was served although a fresh entry may exist: the gate refused the reader
 * (a user outcome: nothing of the result went out); the entry failed to open (a system fault; the
 * entry is deleted, and `chunksSent` says whether any of it reached the sink: 0 unless it was
 * altered between the check and the copy); or the run's writer refused a chunk (`run.abandoned`).
 */
export type CacheServeError =
  | { reason: 'gate'; error: ResultsGateError }
  | { reason: 'sealed'; error: QuarryError & { kind: 'system' }; chunksSent: number }
  | { reason: 'sink'; error: QuarryError; chunksSent: number };

/**
 * Serves a run from the cache when it can: the policy is on, the run did not ask for a refresh, and
 * a complete entry is fresh now. The results gate is decided here again for the run's owner, from
 * Quarry's database, before anything is looked up (the caller has passed it already; a cache hit
 * is a read like any other and must not rest on the caller alone). The entry is checked whole
 * (every chunk opens, none is missing, the sealed trailer agrees) before its first chunk goes to
 * the sink, so a tampered entry sends nothing. Answers the hit, or null on a miss (the run then
 * goes to the warehouse), or why nothing was served.
 */
export async function serveFromCache(
  deps: ResultCacheDeps,
  statement: CachedStatement,
  sink: RunChunkSink,
): Promise<{ ok: true; value: CacheHit | null } | { ok: false; error: CacheServeError }> {
  if (statement.refresh) return { ok: true, value: null };
  const key = cacheKeyOfStatement(statement);
  if (!key) return { ok: true, value: null };
  const gate = await checkResultsGate(deps.db, {
    workspaceId: statement.workspaceId,
    owner: statement.owner,
    connectionIds: [statement.connection.id],
  });
  if (!gate.ok) return { ok: false, error: { reason: 'gate', error: gate.error } };

  const found = await findFreshEntry(deps.db, deps.vault, key, deps.now());
  if (!found.ok) return sealedFailure(deps, statement, null, found.error, 0);
  const entry = found.value;
  if (!entry) {
    recordCacheLookup('miss');
    return { ok: true, value: null };
  }

  // Checked whole first: nothing of an altered entry reaches the reader. A small entry (most are)
  // is kept from this one read and sent from memory; a larger one is read again to be sent.
  let held: EntryChunk[] | null = [];
  try {
    for await (const chunk of readEntryChunks(deps.db, deps.vault, entry)) {
      if (held) {
        held.push(chunk);
        if (held.length > HOLD_CHUNKS) held = null;
      }
    }
  } catch (error) {
    if (error instanceof CacheChunkError) return sealedFailure(deps, statement, entry.id, error.error, 0);
    throw error;
  }

  let sent = 0;
  try {
    for await (const chunk of held ?? readEntryChunks(deps.db, deps.vault, entry)) {
      if (chunk.kind === 'end') {
        recordCacheLookup('hit');
        deps.log.info(
          { runId: statement.runId, entryId: entry.id, rowCount: chunk.rowCount, cachedAt: entry.createdAt },
          'run served from the result cache',
        );
        return {
          ok: true,
          value: {
            entryId: entry.id,
            createdAt: entry.createdAt,
            rowCount: chunk.rowCount,
            truncated: chunk.truncated,
          },
        };
      }
      const written = await sink(chunk);
      if (refused(written))
        return { ok: false, error: { reason: 'sink', error: written.error, chunksSent: sent } };
      sent += 1;
    }
  } catch (error) {
    if (error instanceof CacheChunkError) return sealedFailure(deps, statement, entry.id, error.error, sent);
    throw error;
  }
  throw new Error('a cached entry ended without its trailer');
}

async function sealedFailure(
  deps: ResultCacheDeps,
  statement: CachedStatement,
  entryId: string | null,
  error: VaultError,
  chunksSent: number,
): Promise<{ ok: false; error: CacheServeError }> {
  // The vault's code and message only: they never carry key material or plaintext.
  deps.log.error(
    { runId: statement.runId, entryId, code: error.code, chunksSent },
    'a cached result failed to open: deleted, not served',
  );
  if (entryId) await deps.db.delete(resultCacheEntries).where(eq(resultCacheEntries.id, entryId));
  return {
    ok: false,
    error: {
      reason: 'sealed',
      error: {
        code: error.code,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
        kind: 'system',
      },
      chunksSent,
    },
  };
}

/** A run's chunk sink that also writes what it is given into a new cache entry. */
export type RecordingSink<C extends RunChunkContent, R> = {
  /**
   * Hands the chunk (or chunks written together) to the run's sink and, while recording, to the
   * cache entry; answers the sink's answer.
   */
  write(chunks: C | readonly C[]): Promise<R>;
  /** The run succeeded: the entry becomes servable (answers whether it did). */
  complete(outcome: { rowCount: number; truncated: boolean }): Promise<boolean>;
  /** The run failed, was cancelled or abandoned: whatever was written of the entry goes. */
  abandon(): Promise<void>;
};

/**
 * Wraps a run's chunk sink (its result writer's `write`) so the run's result is also kept in the
 * cache, when the connection's policy is on (a refresh records too: its fresh result replaces the
 * older one). The cache is best effort: a cache write that fails (the entry invalidated or swept
 * meanwhile, the database busy) stops the recording and never fails the run; a chunk the run's
 * sink refuses (`{ ok: false }`, an abandoned result) stops it too. The entry expires
 * `cacheTtlSeconds` after the run started its query (`startedAt`).
 */
export function recordIntoCache<C extends RunChunkContent, R>(
  deps: ResultCacheDeps,
  statement: CachedStatement & { startedAt: Date },
  sink: (chunks: readonly C[]) => Promise<R>,
): RecordingSink<C, R> {
  const key = cacheKeyOfStatement(statement);
  const ttl = statement.connection.cacheTtlSeconds;
  // The entry is begun with the first chunk, so wrapping a writer costs nothing until it writes.
  let unbegun = key !== null && ttl !== null;
  let writer: CacheWriter | null = null;
  const begin = async () => {
    unbegun = false;
    if (!key || ttl === null) return;
    try {
      const begun = await beginCacheEntry(deps.db, deps.vault, {
        key,
        ttlSeconds: ttl,
        now: statement.startedAt,
      });
      if (begun.ok) writer = begun.value;
      else deps.log.error({ runId: statement.runId, code: begun.error.code }, 'result cache key unavailable');
    } catch (error) {
      deps.log.warn({ runId: statement.runId, err: describe(error) }, 'result cache entry not begun');
    }
  };
  const stop = async (why: unknown) => {
    const stopped = writer;
    writer = null;
    if (!stopped) return;
    deps.log.warn({ runId: statement.runId, err: describe(why) }, 'result cache recording stopped');
    await stopped.abandon().catch(() => undefined);
  };
  return {
    async write(given) {
      const chunks = (Array.isArray(given) ? given : [given]) as readonly C[];
      if (unbegun) await begin();
      const recording = writer;
      if (!recording) return sink(chunks);
      // The entry's copy is sealed and stored while the run's own chunk is, in order.
      const cached = chunks
        .reduce<Promise<void>>(
          (before, chunk) => before.then(() => recording.append(chunk)),
          Promise.resolve(),
        )
        .then(
          () => null,
          (error: unknown) => error ?? new Error('cache append failed'),
        );
      let answer: R;
      try {
        answer = await sink(chunks);
      } catch (error) {
        await cached;
        await stop(error);
        throw error;
      }
      const failed = await cached;
      if (failed !== null) await stop(failed);
      else if (refused(answer)) await stop(answer.error);
      return answer;
    },
    async complete(outcome) {
      unbegun = false;
      const recording = writer;
      writer = null;
      if (!recording) return false;
      try {
        return await recording.complete(outcome);
      } catch (error) {
        writer = recording;
        await stop(error);
        return false;
      }
    },
    async abandon() {
      unbegun = false;
      const recording = writer;
      writer = null;
      await recording?.abandon().catch(() => undefined);
    },
  };
}

/** Whether a sink answered a `Result` that refused the chunk. */
function refused(answer: unknown): answer is { ok: false; error: QuarryError } {
  return (
    typeof answer === 'object' &&
    answer !== null &&
    'ok' in answer &&
    answer.ok === false &&
    'error' in answer
  );
}

/** An error's name and code for the log, never its message (a driver's may quote values). */
function describe(error: unknown): { name?: string; code?: string } {
  if (!(error instanceof Error)) return {};
  const code = (error as { code?: unknown }).code;
  return { name: error.name, ...(typeof code === 'string' ? { code } : {}) };
}
