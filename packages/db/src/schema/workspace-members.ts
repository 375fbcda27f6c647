import { WorkspaceRole } from '@quarry/contracts';
import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, createdAt, enumValues } from './columns';
import { users } from './users';
import { workspaces } from './workspaces';

export const workspaceMembers = pgTable(
  'workspace_members',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** WorkspaceRole in contracts; text in the database, so a new role needs no migration. */
    role: text('role', { enum: enumValues(WorkspaceRole) }).notNull(),
    createdAt: createdAt(),
    /**
     * AUTH-9: deactivation is the membership's, not the account's. An Admin of one workspace ends
     * a person's access there and nowhere else.
     */
    deactivatedAt: at('deactivated_at'),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);
