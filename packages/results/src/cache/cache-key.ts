import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '@quarry/db';
import { resultCacheKeys } from '@quarry/db/schema';
import type { Vault, VaultError } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import { cacheHmacKeyContext } from './cache-format';

/** A bound value as a connector takes it. */
export type CacheParam = string | number | boolean | null;

/**
 * What a result is cached and found under. `material` is the canonical text of everything that
 * decides the result; it never leaves the process: only its HMAC is stored.
 */
export type CacheKey = { workspaceId: string; connectionId: string; material: string };

/**
 * The cache key of one statement's result: the connection, the SQL exactly as it runs (no
 * normalising: two texts that differ only in spacing share nothing, which costs a miss and can
 * never serve one query's result for another), the bound values with their types (`'1'` is not
 * `1`), the row limit, the connection's version (when it was last changed: new credentials or
 * settings may see other rows, so an edit leaves every earlier entry unmatched), and — for a
 * connection that passes the reader's identity to the warehouse — the identity facts' key, so
 * readers the warehouse may tell apart never share an entry. `identity` must be given (null) for a
 * connection that does not pass identity: an omission is a type error.
 */
export function cacheKeyFor(input: {
  workspaceId: string;
  connectionId: string;
  connectionVersion: string;
  sql: string;
  params: readonly CacheParam[];
  rowLimit: number;
  identity: string | null;
}): CacheKey {
  const material = JSON.stringify([
    'quarry.result-cache.v1',
    input.workspaceId,
    input.connectionId,
    input.connectionVersion,
    input.sql,
    input.params,
    input.rowLimit,
    input.identity,
  ]);
  return { workspaceId: input.workspaceId, connectionId: input.connectionId, material };
}

/**
 * The key's stored form: HMAC-SHA256 under the workspace's cache key, which only the vault opens,
 * so a database dump cannot confirm a guessed bound value (an email, an id) against the hashes.
 * The workspace's key is made on first use; a key that fails to open is the vault's typed error.
 */
export async function cacheKeyHash(
  db: Db,
  vault: Vault,
  key: CacheKey,
): Promise<{ ok: true; value: string } | { ok: false; error: VaultError }> {
  const context = cacheHmacKeyContext(key.workspaceId);
  let [stored] = await db
    .select({ sealedKey: resultCacheKeys.sealedKey })
    .from(resultCacheKeys)
    .where(eq(resultCacheKeys.workspaceId, key.workspaceId));
  if (!stored) {
    // Sealed as hex text, like every other record a rotation check can open as text.
    await db
      .insert(resultCacheKeys)
      .values({
        workspaceId: key.workspaceId,
        sealedKey: vault.seal(randomBytes(32).toString('hex'), context),
      })
      .onConflictDoNothing();
    // Whoever inserted first wins; everyone reads the one stored key.
    [stored] = await db
      .select({ sealedKey: resultCacheKeys.sealedKey })
      .from(resultCacheKeys)
      .where(eq(resultCacheKeys.workspaceId, key.workspaceId));
    if (!stored) throw new Error('the workspace cache key was not stored');
  }
  const opened = vault.open(stored.sealedKey, context);
  if (!opened.ok) return opened;
  const secret = Buffer.from(opened.value.toString('latin1'), 'hex');
  opened.value.fill(0);
  if (secret.length !== 32) {
    return { ok: false, error: { code: 'vault.bad_format', message: 'The result cache key is malformed' } };
  }
  try {
    return { ok: true, value: createHmac('sha256', secret).update(key.material, 'utf8').digest('hex') };
  } finally {
    secret.fill(0);
  }
}
