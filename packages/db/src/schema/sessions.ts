import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { at, createdAt } from './columns';
import { users } from './users';
import { workspaces } from './workspaces';

/**
 * Lucia's design, in its current form: the cookie holds `<id>.<secret>`; we keep the id and the
 * SHA-256 of the secret, and compare hashes in constant time. The secret itself is never stored.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    /** Sliding: pushed forward on use, never beyond `absoluteExpiresAt`. */
    expiresAt: at('expires_at').notNull(),
    absoluteExpiresAt: at('absolute_expires_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /**
     * How the person proved who they are: `password` (the account's own, good in every workspace
     * they belong to) or `sso` (a workspace's identity provider, good only in that workspace,
     * because whoever runs that provider can assert any email: OIDC-5).
     */
    authMethod: text('auth_method', { enum: ['password', 'sso'] })
      .notNull()
      .default('password'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);
