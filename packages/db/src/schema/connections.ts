import {
  CanRefreshSchema,
  ConnectionScope,
  ConnectionStatus,
  RefreshCadence,
  type SchemaFilter,
} from '@quarry/contracts';
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at, bytea, createdAt, enumValues, updatedAt, workspaceId } from './columns';
import { projects } from './projects';

/**
 * A data connection, described by its connector kind (`@quarry/connectors`' registry): `settings`
 * holds the kind's non-secret settings, validated by its schema (CONN-1: structured fields, never a
 * connection string); `credentials` holds the kind's secret fields as one JSON object, sealed by
 * the vault with context (workspace, connection id, 'connection.credentials'). A draft may be
 * incomplete and may have no credentials yet.
 */
export const connections = pgTable(
  'connections',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    /** A registered connector kind: 'postgres' first. */
    kind: text('kind').notNull(),
    scope: text('scope', { enum: enumValues(ConnectionScope) })
      .notNull()
      .default('workspace'),
    /** The one project a project connection serves; null for workspace connections. */
    projectId: text('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    status: text('status', { enum: enumValues(ConnectionStatus) })
      .notNull()
      .default('ready'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    credentials: bytea('credentials'),
    /**
     * The names of the secret fields `credentials` holds a value for (never the values): the edit
     * form shows which are stored without anything opening the record.
     */
    storedSecrets: text('stored_secrets').array().notNull().default([]),
    /** The workspace's default connection for new SQL cells (one at most). */
    isDefault: boolean('is_default').notNull().default(false),
    /** Permission facts (the seed's defaults): groups with access, Can query, Can view results. */
    groupsWithAccess: text('groups_with_access').array().notNull().default(['workspace']),
    canQuery: text('can_query').array(),
    canViewResults: text('can_view_results').array(),
    canRefreshSchema: text('can_refresh_schema', { enum: enumValues(CanRefreshSchema) })
      .notNull()
      .default('can_query'),
    /**
     * How often the schema is refreshed on its own; null means the seed's default: daily for a
     * workspace connection, never for a project connection (scheduled refresh is workspace-only).
     */
    refreshCadence: text('refresh_cadence', { enum: enumValues(RefreshCadence) }),
    /** Schema filtering: what the data browser hides and refresh skips (not a permission). */
    schemaFilter: jsonb('schema_filter')
      .$type<SchemaFilter>()
      .notNull()
      .default({ include: [], exclude: [] }),
    /**
     * The SSH tunnel's host key fingerprint (`SHA256:…`), pinned by the first successful test and
     * checked on every connection after; null when none is pinned (no tunnel, or not tested yet).
     */
    sshHostKey: text('ssh_host_key'),
    /**
     * The result cache's policy: how many seconds a run's result may be served again to the next
     * run of the same query by a reader who passes the results gate; null means off (the default).
     */
    cacheTtlSeconds: integer('cache_ttl_seconds'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('connections_one_default').on(t.workspaceId).where(sql`${t.isDefault}`),
    index('connections_workspace_idx').on(t.workspaceId),
  ],
);

/** The workspace's default connection, as its partial unique index writes it (see runIsActive). */
export const connectionIsDefault = sql`${connections.isDefault}`;

/** The vault context a connection's credentials are sealed under: moved rows fail to decrypt. */
export const connectionCredentialsContext = (workspaceId: string, connectionId: string) => ({
  workspaceId,
  recordId: connectionId,
  purpose: 'connection.credentials',
});

/**
 * Settings under test before they are saved ("Test connection" on an unsaved form). The runner reads
 * one by id (JOB-4: the job carries ids only), and the row is deleted when the test ends or expires.
 */
export const connectionProbes = pgTable('connection_probes', {
  id: text('id').primaryKey(),
  workspaceId: workspaceId(),
  kind: text('kind').notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  credentials: bytea('credentials').notNull(),
  requestedBy: text('requested_by').notNull(),
  expiresAt: at('expires_at').notNull(),
  createdAt: createdAt(),
});

export const connectionProbeContext = (workspaceId: string, probeId: string) => ({
  workspaceId,
  recordId: probeId,
  purpose: 'connection.probe',
});
