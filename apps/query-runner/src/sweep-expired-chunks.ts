import type { Db } from '@quarry/db';
import { runChunks } from '@quarry/db/schema';
import { lte } from 'drizzle-orm';

/**
 * Deletes every result chunk past its `expires_at` (item 5): undelivered results do not outlive
 * their TTL in Quarry's database. Runs from the `run.chunks.sweep` schedule; returns how many went.
 */
export async function sweepExpiredChunks(db: Db, now: Date): Promise<number> {
  const deleted = await db
    .delete(runChunks)
    .where(lte(runChunks.expiresAt, now))
    .returning({ runId: runChunks.runId });
  return deleted.length;
}
