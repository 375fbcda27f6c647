import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { auditEvents } from '../schema/index';
import { type ChainBreak, findChainBreak } from './hash-chain';

/** Reads a chain in order and reports the first entry that was altered, inserted or removed. */
export async function verifyAuditChain(
  db: Db,
  chain: string,
): Promise<{ entries: number; break: ChainBreak | null }> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.chain, chain))
    .orderBy(asc(auditEvents.seq));
  return { entries: rows.length, break: findChainBreak(rows) };
}
