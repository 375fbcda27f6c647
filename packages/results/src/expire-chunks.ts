import type { Db } from '@quarry/db';
import { runChunks, runs } from '@quarry/db/schema';
import { eq, lte, sql } from 'drizzle-orm';

/** Deletes a run's chunks once its whole result was delivered (data minimisation). */
export async function deleteRunChunks(db: Db, runId: string): Promise<void> {
  await db.delete(runChunks).where(eq(runChunks.runId, runId));
}

/** Deletes a run's chunks only while the attempt that started at `startedAt` still holds it. */
export async function deleteHeldRunChunks(db: Db, runId: string, startedAt: Date): Promise<void> {
  await db.execute(sql`
    delete from ${runChunks} where ${runChunks.runId} = ${runId} and exists (
      select 1 from ${runs} where ${runs.id} = ${runId} and ${runs.status} = 'running'
        and ${runs.startedAt} = ${startedAt.toISOString()}::timestamptz
    )`);
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
