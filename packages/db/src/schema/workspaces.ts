import { WorkspaceRole } from '@quarry/contracts';
import { boolean, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, enumValues } from './columns';

export const workspaces = pgTable('workspaces', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** SSO: only emails in these domains may be provisioned just in time (empty: none). */
  allowedEmailDomains: text('allowed_email_domains').array().notNull().default([]),
  /** The role a user provisioned by SSO gets. */
  ssoDefaultRole: text('sso_default_role', { enum: enumValues(WorkspaceRole) })
    .notNull()
    .default('viewer'),
  /** When on, password sign-in is refused for everyone but Admins. */
  ssoRequired: boolean('sso_required').notNull().default(false),
  /** Admins can switch project-level data connections off for the workspace. */
  projectConnectionsEnabled: boolean('project_connections_enabled').notNull().default(true),
  createdAt: createdAt(),
});
