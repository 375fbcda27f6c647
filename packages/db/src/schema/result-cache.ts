import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, bytea, createdAt } from './columns';
import { connections } from './connections';
import { workspaces } from './workspaces';

/**
 * A cached run result (issue 11, item 8). Found by `key_hash`: an HMAC of the connection, the SQL,
 * the bound values, the row limit and, for a connection that passes the reader's identity, the
 * identity facts, under the workspace's cache key (`result_cache_keys`), so a bound value cannot be
 * guessed offline from the hash. Served only while `complete` and before `expires_at`, and only to
 * a reader who passed the results gate; a connection's or workspace's deletion takes it along.
 */
export const resultCacheEntries = pgTable(
  'result_cache_entries',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    /** HMAC-SHA256 of the cache key, hex. */
    keyHash: text('key_hash').notNull(),
    /** Rows in the result; null until complete. */
    rowCount: integer('row_count'),
    truncated: boolean('truncated').notNull().default(false),
    /** Set once every chunk was written and the run succeeded; an incomplete entry is never served. */
    complete: boolean('complete').notNull().default(false),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [
    index('result_cache_entries_key_idx').on(t.workspaceId, t.keyHash, t.createdAt),
    index('result_cache_entries_connection_idx').on(t.connectionId),
    // The sweeper deletes by expiry, and incomplete entries by age.
    index('result_cache_entries_expires_idx').on(t.expiresAt),
    index('result_cache_entries_incomplete_idx').on(t.createdAt).where(sql`not ${t.complete}`),
  ],
);

/**
 * A cached result's chunks, in the run's own chunk format (seq 0 the columns, row count 0; then
 * batches of rows as text), sealed by the vault under (workspace, `${entryId}:${seq}`,
 * 'result.cache').
 */
export const resultCacheChunks = pgTable(
  'result_cache_chunks',
  {
    entryId: text('entry_id')
      .notNull()
      .references(() => resultCacheEntries.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    rowCount: integer('row_count').notNull(),
    payload: bytea('payload').notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.seq] })],
);

/**
 * Each workspace's key for the cache's HMAC: 32 random bytes, sealed by the vault under
 * (workspace, workspace, 'result.cache.key'), so only a holder of the master key can compute a
 * cache key's hash. Made on first use.
 */
export const resultCacheKeys = pgTable('result_cache_keys', {
  workspaceId: text('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  sealedKey: bytea('sealed_key').notNull(),
  createdAt: createdAt(),
});
