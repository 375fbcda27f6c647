import type { Db } from '@quarry/db';
import { runChunks } from '@quarry/db/schema';
import { eq, lte } from 'drizzle-orm';

/** Deletes a run's chunks once its whole result was delivered (data minimisation). */
export async function deleteRunChunks(db: Db, runId: string): Promise<void> {
  await db.delete(runChunks).where(eq(runChunks.runId, runId));
}

/**
 * Deletes every result chunk past its `expires_at`: undelivered results do not outlive their TTL
 * in Quarry's database. The runner calls it from the `run.chunks.sweep` schedule; returns how many
 * went.
 */
export async function sweepExpiredChunks(db: Db, now: Date): Promise<number> {
  const deleted = await db
    .delete(runChunks)
    .where(lte(runChunks.expiresAt, now))
    .returning({ runId: runChunks.runId });
  return deleted.length;
}
