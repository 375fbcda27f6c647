import {
  connectionCredentialsContext,
  connectionProbeContext,
  connectionProbes,
  connections,
  resultCacheChunks,
  resultCacheEntries,
  resultCacheKeys,
  runChunks,
  runSessionKeyContext,
  runs,
  secrets,
  secretValueContext,
  ssoProviders,
} from '@quarry/db/schema';
import { cacheChunkContext, cacheHmacKeyContext, chunkContext } from '@quarry/results';
import type { VaultContext } from '@quarry/vault';
import { eq, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { clientSecretContext } from '../sso/services/client-secret-context';

/** A primary-key value as PostgreSQL hands it back: text ids, integer sequence numbers. */
export type KeyValue = string | number;

/**
 * A column that holds vault records, and how to rebuild the context each record was sealed under.
 * Rotation walks every entry; `sealed-columns.test.ts` fails when the database has a bytea column
 * missing here, so a new sealed column cannot be forgotten.
 */
export type SealedColumn = {
  /** What reports call these records: the vault purpose they are sealed for. */
  kind: string;
  table: PgTable;
  /** The primary key, in order: rotation pages through the table by it (keyset pagination). */
  keys: readonly [PgColumn, ...PgColumn[]];
  column: PgColumn;
  /** The record's workspace, which its context binds; `join` reaches it when another table has it. */
  workspaceId: PgColumn;
  join?: { table: PgTable; on: SQL };
  context: (row: { workspaceId: string; keys: readonly KeyValue[] }) => VaultContext;
};

const id = (keys: readonly KeyValue[]): string => String(keys[0]);

/** Every sealed column in Quarry's database. A new one is one more entry. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    kind: 'connection.credentials',
    table: connections,
    keys: [connections.id],
    column: connections.credentials,
    workspaceId: connections.workspaceId,
    context: (row) => connectionCredentialsContext(row.workspaceId, id(row.keys)),
  },
  {
    kind: 'connection.probe',
    table: connectionProbes,
    keys: [connectionProbes.id],
    column: connectionProbes.credentials,
    workspaceId: connectionProbes.workspaceId,
    context: (row) => connectionProbeContext(row.workspaceId, id(row.keys)),
  },
  {
    kind: 'secret.value',
    table: secrets,
    keys: [secrets.id],
    column: secrets.value,
    workspaceId: secrets.workspaceId,
    context: (row) => secretValueContext(row.workspaceId, id(row.keys)),
  },
  {
    kind: 'sso.client_secret',
    table: ssoProviders,
    keys: [ssoProviders.id],
    column: ssoProviders.clientSecret,
    workspaceId: ssoProviders.workspaceId,
    context: (row) => clientSecretContext(row.workspaceId, id(row.keys)),
  },
  {
    kind: 'run.chunk',
    table: runChunks,
    keys: [runChunks.runId, runChunks.seq],
    column: runChunks.payload,
    workspaceId: runs.workspaceId,
    join: { table: runs, on: eq(runs.id, runChunks.runId) },
    context: (row) => chunkContext(row.workspaceId, String(row.keys[0]), Number(row.keys[1])),
  },
  {
    kind: 'run.session_key',
    table: runs,
    keys: [runs.id],
    column: runs.sessionKey,
    workspaceId: runs.workspaceId,
    context: (row) => runSessionKeyContext(row.workspaceId, id(row.keys)),
  },
  {
    kind: 'result.cache',
    table: resultCacheChunks,
    keys: [resultCacheChunks.entryId, resultCacheChunks.seq],
    column: resultCacheChunks.payload,
    workspaceId: resultCacheEntries.workspaceId,
    join: { table: resultCacheEntries, on: eq(resultCacheEntries.id, resultCacheChunks.entryId) },
    context: (row) => cacheChunkContext(row.workspaceId, String(row.keys[0]), Number(row.keys[1])),
  },
  {
    // The workspace's cache HMAC key: its primary key is the workspace id it is sealed for.
    kind: 'result.cache.key',
    table: resultCacheKeys,
    keys: [resultCacheKeys.workspaceId],
    column: resultCacheKeys.sealedKey,
    workspaceId: resultCacheKeys.workspaceId,
    context: (row) => ({ ...cacheHmacKeyContext(row.workspaceId), recordId: id(row.keys) }),
  },
];
