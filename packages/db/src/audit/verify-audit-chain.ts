import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { auditChainHeads, auditEvents } from '../schema/index';
import { type ChainBreak, findChainBreak } from './hash-chain';

/**
 * Reads a chain in order and reports the first entry that was altered, inserted or removed. The
 * chain's head (audit_chain_heads, moved by every append) names its newest entry: entries removed
 * from the end show as missing there, unless the head was rewritten too. (A head behind the newest
 * entry is not a break: a writer of an earlier version appends without moving it.)
 */
export async function verifyAuditChain(
  db: Db,
  chain: string,
): Promise<{ entries: number; break: ChainBreak | null }> {
  // One snapshot for both: an entry appended between two reads would look like one deleted.
  const [rows, [head]] = await db.transaction(
    (tx) =>
      Promise.all([
        tx.select().from(auditEvents).where(eq(auditEvents.chain, chain)).orderBy(asc(auditEvents.seq)),
        tx.select().from(auditChainHeads).where(eq(auditChainHeads.chain, chain)),
      ]),
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  const found = findChainBreak(rows);
  if (found || !head) return { entries: rows.length, break: found };
  const newest = rows.at(-1);
  if (!newest || head.seq > newest.seq) {
    return { entries: rows.length, break: { seq: (newest?.seq ?? 0) + 1, problem: 'missing' } };
  }
  if (head.seq === newest.seq && head.hash !== newest.hash) {
    return { entries: rows.length, break: { seq: newest.seq, problem: 'altered' } };
  }
  return { entries: rows.length, break: null };
}
