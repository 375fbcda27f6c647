import { index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { bytea, createdAt, updatedAt, workspaceId } from './columns';
import { projects } from './projects';

/**
 * A shared secret of a workspace: a name and a value sealed by the vault (context: workspace,
 * secret id, 'secret.value'). The value is write-only: no API answer carries it.
 */
export const secrets = pgTable(
  'secrets',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    name: text('name').notNull(),
    value: bytea('value').notNull(),
    groupsWithAccess: text('groups_with_access').array().notNull().default(['workspace']),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('secrets_workspace_name').on(t.workspaceId, t.name)],
);

export const secretValueContext = (workspaceId: string, secretId: string) => ({
  workspaceId,
  recordId: secretId,
  purpose: 'secret.value',
});

/** Secrets imported into a project: facts the permission engine reads (groups with access). */
export const projectSecrets = pgTable(
  'project_secrets',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    secretId: text('secret_id')
      .notNull()
      .references(() => secrets.id, { onDelete: 'cascade' }),
    workspaceId: workspaceId(),
    importedBy: text('imported_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.secretId] }),
    index('project_secrets_secret_idx').on(t.secretId),
  ],
);
