import type { ApiTokenSummary } from '@quarry/contracts';
import type { apiTokens } from '@quarry/db/schema';

/** A token as its owner sees it: never the secret or its hash. */
export const toTokenSummary = (row: typeof apiTokens.$inferSelect): ApiTokenSummary => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  lastUsedAt: row.lastUsedAt,
});
