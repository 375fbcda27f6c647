import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { auditEvents } from '../schema/index';
import { GENESIS_HASH, hashAuditEntry } from './hash-chain';

export type AuditEvent = {
  /** The workspace the event belongs to; events that belong to none go on the 'system' chain. */
  workspaceId: string | null;
  actorId: string | null;
  action: string;
  target?: { type: string; id: string };
  outcome: 'success' | 'failure' | 'refused';
  ip?: string | null;
  requestId?: string | null;
  /** Never credentials, secrets or row data: ids, counts, codes. */
  details?: Record<string, unknown>;
};

type Tx = Pick<Db, 'select' | 'insert' | 'execute'>;

/** The last entry of a chain, as a writer holding the chain's lock read it. */
export type AuditChainHead = { chain: string; seq: number; hash: string };

/** The chain an event goes on: its workspace's, or 'system' for events that belong to none. */
export const auditChainOf = (workspaceId: string | null): string => workspaceId ?? 'system';

/**
 * Takes the chain's lock (held to the end of the transaction) and reads its last entry, in one
 * round trip: the two statements are pipelined and run on the server in order, so the read comes
 * after the lock is held and sees every entry committed before. Call it inside the transaction of
 * the change, as late as the change allows: writers of one chain wait for each other from here.
 */
export async function lockAuditChain(tx: Tx, chain: string): Promise<AuditChainHead> {
  const [, last] = await Promise.all([
    tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${chain}`}, 0))`),
    tx
      .select({ seq: auditEvents.seq, hash: auditEvents.hash })
      .from(auditEvents)
      .where(eq(auditEvents.chain, chain))
      .orderBy(desc(auditEvents.seq))
      .limit(1),
  ]);
  return { chain, seq: last[0]?.seq ?? 0, hash: last[0]?.hash ?? GENESIS_HASH };
}

/**
 * The entry after `head` (read by lockAuditChain in this transaction, the lock still held), hashed
 * and inserted. Answers the insert, not yet awaited, so a caller may pipeline it with its other
 * writes.
 */
export function appendAuditEvent(tx: Tx, head: AuditChainHead, event: AuditEvent, now: Date = new Date()) {
  if (head.chain !== auditChainOf(event.workspaceId)) throw new Error('audit event on another chain');
  // Postgres keeps microseconds; JS dates keep milliseconds. Hash what will be read back.
  const at = new Date(Math.floor(now.getTime()));
  const entry = {
    chain: head.chain,
    seq: head.seq + 1,
    at,
    actorId: event.actorId,
    action: event.action,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    outcome: event.outcome,
    ip: event.ip ?? null,
    requestId: event.requestId ?? null,
    details: event.details ?? null,
    prevHash: head.hash,
  };
  return tx.insert(auditEvents).values({ ...entry, hash: hashAuditEntry(entry) });
}

/**
 * Appends one entry to its chain. Call it inside the transaction of the change it records; the
 * advisory lock serialises writers of one chain so seq and prev_hash never fork.
 */
export async function writeAuditEvent(tx: Tx, event: AuditEvent, now: Date = new Date()): Promise<void> {
  const head = await lockAuditChain(tx, auditChainOf(event.workspaceId));
  await appendAuditEvent(tx, head, event, now);
}
