import { SsoKind } from '@quarry/contracts';
import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, bytea, createdAt, enumValues, workspaceId } from './columns';
import { users } from './users';

/**
 * An SSO provider of a workspace: Google, Okta or generic OpenID Connect. The client secret is
 * sealed by the vault (context: workspace, provider id, 'sso.client_secret').
 */
export const ssoProviders = pgTable('sso_providers', {
  id: text('id').primaryKey(),
  workspaceId: workspaceId(),
  kind: text('kind', { enum: enumValues(SsoKind) }).notNull(),
  name: text('name').notNull(),
  /** The issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: text('issuer').notNull(),
  clientId: text('client_id').notNull(),
  clientSecret: bytea('client_secret').notNull(),
  createdAt: createdAt(),
});

/** OIDC-4: an account is linked by (issuer, subject), never by email alone. */
export const userIdentities = pgTable(
  'user_identities',
  {
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] })],
);

/**
 * OIDC-2 "accepted once" across every API process: each consumed sign-in flow (by a hash of its
 * state) until the moment it would have expired anyway.
 */
export const ssoConsumedFlows = pgTable('sso_consumed_flows', {
  stateHash: text('state_hash').primaryKey(),
  expiresAt: at('expires_at').notNull(),
});
