import { ProjectPermission } from '@quarry/contracts';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, enumValues, updatedAt, workspaceId } from './columns';
import { connections } from './connections';

export const projects = pgTable('projects', {
  id: text('id').primaryKey(),
  workspaceId: workspaceId(),
  name: text('name').notNull(),
  createdBy: text('created_by').notNull(),
  /** A Full access holder can stop Can edit holders from re-sharing. */
  editorsCanShare: boolean('editors_can_share').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Connections imported into a project: the facts the permission engine reads. */
export const projectConnections = pgTable(
  'project_connections',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    workspaceId: workspaceId(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.connectionId] })],
);

/** Who holds what on a project: a user or a group (built-in name or `grp_…`). */
export const projectGrants = pgTable(
  'project_grants',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id'),
    groupId: text('group_id'),
    permission: text('permission', { enum: enumValues(ProjectPermission) }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('project_grants_project_idx').on(t.projectId)],
);

export const cells = pgTable(
  'cells',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    /** How later cells refer to this one (`{{name}}`, a JS identifier); unique in its project. */
    name: text('name').notNull(),
    /** sql | js | input | markdown (CellKind in contracts). */
    kind: text('kind').notNull().default('sql'),
    /** An input cell's type and default (InputConfig); null for other kinds. */
    config: jsonb('config'),
    connectionId: text('connection_id').references(() => connections.id, { onDelete: 'set null' }),
    source: text('source').notNull().default(''),
    /** The name of the connection this cell used until it was deleted, so the cell can say so. */
    deletedConnectionName: text('deleted_connection_name'),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('cells_project_idx').on(t.projectId),
    uniqueIndex('cells_project_name_idx').on(t.projectId, t.name),
  ],
);
