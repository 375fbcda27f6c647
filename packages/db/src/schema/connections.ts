import { CanRefreshSchema, ConnectionScope } from '@quarry/contracts';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { bytea, createdAt, enumValues, updatedAt, workspaceId } from './columns';

/**
 * A data connection. Fields are structured (CONN-1): no raw connection string. The password and
 * any other secret live only in `credentials`, sealed by the vault with context
 * (workspace, connection id, 'connection.credentials').
 */
export const connections = pgTable('connections', {
  id: text('id').primaryKey(),
  workspaceId: workspaceId(),
  name: text('name').notNull(),
  /** 'postgres' for now; the connectors issue adds more. */
  kind: text('kind').notNull(),
  scope: text('scope', { enum: enumValues(ConnectionScope) })
    .notNull()
    .default('workspace'),
  projectId: text('project_id'),
  host: text('host').notNull(),
  port: integer('port').notNull(),
  database: text('database').notNull(),
  username: text('username').notNull(),
  sslMode: text('ssl_mode').notNull().default('require'),
  credentials: bytea('credentials').notNull(),
  /** Permission facts (the seed's defaults): groups with access, Can query, Can view results. */
  groupsWithAccess: text('groups_with_access').array().notNull().default(['workspace']),
  canQuery: text('can_query').array(),
  canViewResults: text('can_view_results').array(),
  canRefreshSchema: text('can_refresh_schema', { enum: enumValues(CanRefreshSchema) })
    .notNull()
    .default('can_query'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The vault context a connection's credentials are sealed under: moved rows fail to decrypt. */
export const connectionCredentialsContext = (workspaceId: string, connectionId: string) => ({
  workspaceId,
  recordId: connectionId,
  purpose: 'connection.credentials',
});
