import { WorkspaceRole } from '@quarry/contracts';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at, createdAt, enumValues, workspaceId } from './columns';

/** An invitation by email: a single-use link whose secret is stored only as its SHA-256. */
export const invites = pgTable(
  'invites',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    email: text('email').notNull(),
    role: text('role', { enum: enumValues(WorkspaceRole) }).notNull(),
    secretHash: text('secret_hash').notNull(),
    invitedBy: text('invited_by').notNull(),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
    acceptedAt: at('accepted_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [
    uniqueIndex('invites_secret_hash_idx').on(t.secretHash),
    index('invites_workspace_idx').on(t.workspaceId),
  ],
);
