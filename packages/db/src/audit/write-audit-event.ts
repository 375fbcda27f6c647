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

/**
 * Appends one entry to its chain. Call it inside the transaction of the change it records; the
 * advisory lock serialises writers of one chain so seq and prev_hash never fork.
 */
export async function writeAuditEvent(tx: Tx, event: AuditEvent, now: Date = new Date()): Promise<void> {
  const chain = event.workspaceId ?? 'system';
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${chain}`}, 0))`);
  const [last] = await tx
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(eq(auditEvents.chain, chain))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  // Postgres keeps microseconds; JS dates keep milliseconds. Hash what will be read back.
  const at = new Date(Math.floor(now.getTime()));
  const entry = {
    chain,
    seq: (last?.seq ?? 0) + 1,
    at,
    actorId: event.actorId,
    action: event.action,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    outcome: event.outcome,
    ip: event.ip ?? null,
    requestId: event.requestId ?? null,
    details: event.details ?? null,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await tx.insert(auditEvents).values({ ...entry, hash: hashAuditEntry(entry) });
}
