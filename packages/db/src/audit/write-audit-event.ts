import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { chainedTextAround, GENESIS_HASH } from './hash-chain';

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

/** The chain an event goes on: its workspace's, or 'system' for events that belong to none. */
export const auditChainOf = (workspaceId: string | null): string => workspaceId ?? 'system';

/**
 * Takes the chain's lock, held to the end of the transaction: writers of one chain wait for each
 * other from here, so seq and prev_hash never fork. Call it inside the transaction of the change,
 * as late as the change allows, and append after it (appendAuditEvent).
 */
export function lockAuditChain(tx: Tx, chain: string): Promise<unknown> {
  return Promise.resolve(
    tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${chain}`}, 0))`),
  );
}

/**
 * Appends the entry after its chain's head, which the database reads and hashes in the same
 * statement: the chain's lock (lockAuditChain, earlier in this transaction) is held, and this
 * statement's snapshot, taken after the lock statement ran, sees every entry committed before. The
 * client encodes the text around the two values the head decides (chainedTextAround); the
 * database fills them in and takes the SHA-256, exactly as hashAuditEntry does. So no round trip
 * happens between the head's read and the insert, and the lock and the insert may be sent
 * together. Answers the insert, not yet awaited, so a caller may pipeline it.
 */
export function appendAuditEvent(tx: Tx, event: AuditEvent, now: Date = new Date()): Promise<unknown> {
  const chain = auditChainOf(event.workspaceId);
  // Postgres keeps microseconds; JS dates keep milliseconds. Hash what will be read back.
  const at = new Date(Math.floor(now.getTime()));
  const fields = {
    chain,
    at,
    actorId: event.actorId,
    action: event.action,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    outcome: event.outcome,
    ip: event.ip ?? null,
    requestId: event.requestId ?? null,
    details: event.details ?? null,
  };
  const { before, middle } = chainedTextAround(fields);
  const details = fields.details === null ? null : JSON.stringify(fields.details);
  return Promise.resolve(
    tx.execute(sql`
      insert into audit_events (chain, seq, created_at, actor_id, action, target_type, target_id,
        outcome, ip, request_id, details, prev_hash, hash)
      select ${chain}::text, head.seq, ${at.toISOString()}::timestamptz, ${fields.actorId}::text,
        ${fields.action}::text, ${fields.targetType}::text, ${fields.targetId}::text,
        ${fields.outcome}::text, ${fields.ip}::text, ${fields.requestId}::text, ${details}::jsonb,
        head.prev,
        encode(sha256(convert_to(
          ${before}::text || head.seq::text || ${middle}::text || '"' || head.prev || '"]', 'UTF8')), 'hex')
      from (
        select coalesce(last.seq, 0) + 1 as seq, coalesce(last.hash, ${GENESIS_HASH}::text) as prev
        from (select 1) as one
        left join lateral (
          select seq, hash from audit_events where chain = ${chain}::text order by seq desc limit 1
        ) as last on true
      ) as head`),
  );
}

/**
 * Appends one entry to its chain: the lock and the insert, sent together. Call it inside the
 * transaction of the change it records.
 */
export async function writeAuditEvent(tx: Tx, event: AuditEvent, now: Date = new Date()): Promise<void> {
  await Promise.all([lockAuditChain(tx, auditChainOf(event.workspaceId)), appendAuditEvent(tx, event, now)]);
}
