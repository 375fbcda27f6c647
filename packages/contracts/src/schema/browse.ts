import { z } from 'zod';
import { ConnectionId, ProjectId } from '../projects/project';
import { RefreshPermission, SchemaRefresh, SchemaRefreshTrigger, SchemaTableId } from './refresh';

export const SchemaObjectKind = z.enum(['table', 'view', 'materialized_view']);
export type SchemaObjectKind = z.infer<typeof SchemaObjectKind>;

export const BrowsedColumn = z.object({
  name: z.string(),
  /** The database's own type name (`numeric(12,2)`, `timestamp with time zone`). */
  dbType: z.string(),
  nullable: z.boolean(),
  comment: z.string().nullable(),
  primaryKey: z.boolean(),
  position: z.number().int(),
});
export type BrowsedColumn = z.infer<typeof BrowsedColumn>;

export const BrowsedTable = z.object({
  id: SchemaTableId,
  name: z.string(),
  kind: SchemaObjectKind,
  comment: z.string().nullable(),
  columnCount: z.number().int(),
});
export type BrowsedTable = z.infer<typeof BrowsedTable>;

export const BrowsedSchema = z.object({ name: z.string(), tables: z.array(BrowsedTable) });
export const BrowsedDatabase = z.object({ name: z.string(), schemas: z.array(BrowsedSchema) });
export type BrowsedDatabase = z.infer<typeof BrowsedDatabase>;

/**
 * The data browser's tree down to tables (columns come per table from `schema.columns`, so a
 * warehouse of thousands of tables opens at once), filtered by the connection's schema filter.
 */
export const SchemaTree = z.object({
  connection: z.object({ id: ConnectionId, name: z.string(), kind: z.string() }),
  databases: z.array(BrowsedDatabase),
  tableCount: z.number().int(),
  /** The last refresh that succeeded: when, and who asked (null for a scheduled one). */
  lastRefreshed: z
    .object({
      at: z.date(),
      trigger: SchemaRefreshTrigger,
      by: z.object({ id: z.string(), name: z.string() }).nullable(),
    })
    .nullable(),
  /** A refresh queued or running now, with its progress; the SPA polls `schema.refreshStatus`. */
  activeRefresh: SchemaRefresh.nullable(),
  /** The last refresh, when it failed (the SPA says why the tree may be stale). */
  lastFailure: SchemaRefresh.nullable(),
  canRefresh: RefreshPermission,
});
export type SchemaTree = z.infer<typeof SchemaTree>;

export const SchemaColumnsInput = z.object({
  connectionId: ConnectionId,
  tableId: SchemaTableId,
  projectId: ProjectId.optional(),
});
export type SchemaColumnsInput = z.infer<typeof SchemaColumnsInput>;

export const SchemaTableDetail = BrowsedTable.extend({
  database: z.string(),
  schema: z.string(),
  columns: z.array(BrowsedColumn),
});
export type SchemaTableDetail = z.infer<typeof SchemaTableDetail>;

export const MAX_SCHEMA_SEARCH_LIMIT = 100;

export const SchemaSearchInput = z.object({
  connectionId: ConnectionId,
  projectId: ProjectId.optional(),
  q: z.string().trim().min(1, 'Type something to search for').max(100),
  limit: z.number().int().min(1).max(MAX_SCHEMA_SEARCH_LIMIT).default(50),
});
export type SchemaSearchInput = z.infer<typeof SchemaSearchInput>;

/**
 * One name that matched: a database, a schema, a table (or view) or a column, with the path to it.
 * Exact matches first, then prefixes, then the rest; shorter names first within each.
 */
export const SchemaSearchHit = z.object({
  type: z.enum(['database', 'schema', 'table', 'column']),
  database: z.string(),
  schema: z.string().nullable(),
  table: z.string().nullable(),
  column: z.string().nullable(),
  /** The table to open (tables and columns). */
  tableId: SchemaTableId.nullable(),
  tableKind: SchemaObjectKind.nullable(),
  /** A column's type. */
  dbType: z.string().nullable(),
});
export type SchemaSearchHit = z.infer<typeof SchemaSearchHit>;

export const SchemaSearchResult = z.object({ hits: z.array(SchemaSearchHit), truncated: z.boolean() });
export type SchemaSearchResult = z.infer<typeof SchemaSearchResult>;
