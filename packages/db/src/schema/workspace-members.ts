import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, createdAt } from './columns';
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
    /** admin | manager | editor | explorer | viewer | guest (WorkspaceRole in contracts). */
    role: text('role').notNull(),
    createdAt: createdAt(),
    /**
     * AUTH-9: deactivation is the membership's, not the account's. An Admin of one workspace ends
     * a person's access there and nowhere else.
     */
    deactivatedAt: at('deactivated_at'),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);
