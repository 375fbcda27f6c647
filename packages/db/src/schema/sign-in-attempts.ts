import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { at } from './columns';

/** Fixed-window counters for sign-in rate limits, keyed `account:<email>` or `ip:<address>`. */
export const signInAttempts = pgTable('sign_in_attempts', {
  key: text('key').primaryKey(),
  windowStart: at('window_start').notNull(),
  count: integer('count').notNull(),
});
