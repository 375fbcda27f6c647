import { SchemaObjectKind, SchemaRefreshStatus, SchemaRefreshTrigger } from '@quarry/contracts';
import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at, createdAt, enumValues, updatedAt, workspaceId } from './columns';
import { connections } from './connections';

const connectionId = () =>
  text('connection_id')
    .notNull()
    .references(() => connections.id, { onDelete: 'cascade' });

/**
 * What a connection's last refresh found: one row per table, view or materialized view it kept
 * (the schema filter's hidden objects are not stored). Replaced object by object by each refresh,
 * and gone with the connection.
 */
export const schemaTables = pgTable(
  'schema_tables',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    connectionId: connectionId(),
    database: text('database').notNull(),
    schema: text('schema').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: enumValues(SchemaObjectKind) }).notNull(),
    comment: text('comment'),
    columnCount: integer('column_count').notNull(),
    /** A digest of everything stored of the table and its columns: a refresh compares it to count changes. */
    signature: text('signature').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('schema_tables_path_idx').on(t.connectionId, t.database, t.schema, t.name)],
);

/** The columns of a stored table, in their order. */
export const schemaColumns = pgTable(
  'schema_columns',
  {
    tableId: text('table_id')
      .notNull()
      .references(() => schemaTables.id, { onDelete: 'cascade' }),
    workspaceId: workspaceId(),
    /** Denormalized from the table, so search reads one connection's columns without a join. */
    connectionId: connectionId(),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    dbType: text('db_type').notNull(),
    nullable: boolean('nullable').notNull(),
    comment: text('comment'),
    primaryKey: boolean('primary_key').notNull(),
    /**
     * The name lowercased once, when written: search matches it with a plain LIKE, several times
     * faster than ILIKE over a warehouse's hundred thousand columns.
     */
    searchName: text('search_name').notNull().generatedAlwaysAs(sql`lower(name)`),
  },
  (t) => [
    primaryKey({ columns: [t.tableId, t.position] }),
    index('schema_columns_connection_idx').on(t.connectionId),
    // Search walks one connection's lowercased names in byte order ("C", whatever the database's
    // collation): an exact name and a prefix are index ranges, and a substring search stops as
    // soon as it has enough names, instead of ranking every match.
    index('schema_columns_search_c_idx').on(t.connectionId, sql`(${t.searchName} collate "C")`),
  ],
);

/**
 * One refresh of a connection's schema: queued → running → succeeded | failed, each change guarded
 * by the status it leaves (JOB-1). At most one is queued or running per connection; a second
 * request joins it.
 */
export const schemaRefreshes = pgTable(
  'schema_refreshes',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    connectionId: connectionId(),
    trigger: text('trigger', { enum: enumValues(SchemaRefreshTrigger) }).notNull(),
    status: text('status', { enum: enumValues(SchemaRefreshStatus) })
      .notNull()
      .default('queued'),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total'),
    /** Who asked (a manual refresh, or the connection's creator); null for a scheduled one. */
    requestedBy: text('requested_by'),
    /** The queue job a scheduled refresh was made for: its retry finds the same refresh. */
    jobId: text('job_id'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    added: integer('added'),
    removed: integer('removed'),
    changed: integer('changed'),
    createdAt: createdAt(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    /** Moved by every progress write: a refresh whose runner died goes quiet and is taken as interrupted. */
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('schema_refreshes_one_active_idx')
      .on(t.connectionId)
      .where(sql`${t.status} in ('queued', 'running')`),
    uniqueIndex('schema_refreshes_job_idx').on(t.jobId),
    index('schema_refreshes_connection_idx').on(t.connectionId, t.createdAt),
  ],
);

/** A refresh queued or running, as its partial unique index writes it (see runIsActive). */
export const schemaRefreshIsActive = sql`${schemaRefreshes.status} in ('queued', 'running')`;
