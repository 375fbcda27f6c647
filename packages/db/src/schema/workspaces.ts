import { pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';

export const workspaces = pgTable('workspaces', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});
