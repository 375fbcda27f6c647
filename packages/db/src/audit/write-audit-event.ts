import { type SQL, sql } from 'drizzle-orm';
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
 * Appends the entry after its chain's head in one statement, its own or the caller's transaction's:
 * the head (audit_chain_heads) moves to the new entry, and the entry is inserted with the head's old
 * hash as its link. The head's row lock, held to the commit, makes writers of one chain wait for
 * each other, and an update that waited reads the head as the writer before it committed it, so seq
 * and prev_hash never fork. A head behind the chain's newest entry (one a writer of an earlier
 * version appended without moving it, during an upgrade) is caught up: the entry follows whichever
 * is newer, the head or the newest entry this statement sees. The client encodes the text around the two values the head decides
 * (chainedTextAround); the database fills them in and takes the SHA-256, exactly as hashAuditEntry
 * does. Answers the statement, not yet awaited, so a caller may pipeline it.
 */
export function appendAuditEvent(
  tx: Tx,
  event: AuditEvent,
  now: Date = new Date(),
  options: {
    /**
     * A change (a data-modifying statement with RETURNING) the entry records, made by the same
     * statement: the entry is written only when it returned a row. One statement, its own
     * transaction, so the chain's head is held for the server's work alone.
     */
    after?: SQL;
  } = {},
): Promise<unknown> {
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
  const hashOf = (seq: SQL, prev: SQL) =>
    sql`encode(sha256(convert_to(${before}::text || ${seq}::text || ${middle}::text || '"' || ${prev} || '"]', 'UTF8')), 'hex')`;
  return Promise.resolve(
    tx.execute(sql`
      with ${options.after ? sql`after as (${options.after}),` : sql``} newest as (
        select seq, hash from audit_events where chain = ${chain}::text order by seq desc limit 1
      ), head as (
        insert into audit_chain_heads as h (chain, seq, prev_hash, hash)
        select ${chain}::text, coalesce(n.seq, 0) + 1, coalesce(n.hash, ${GENESIS_HASH}::text),
          ${hashOf(sql`(coalesce(n.seq, 0) + 1)`, sql`coalesce(n.hash, ${GENESIS_HASH}::text)`)}
        from (select 1) as one left join newest as n on true
        ${options.after ? sql`where exists (select 1 from after)` : sql``}
        on conflict (chain) do update
          set seq = greatest(h.seq + 1, excluded.seq),
            prev_hash = case when excluded.seq > h.seq + 1 then excluded.prev_hash else h.hash end,
            hash = case when excluded.seq > h.seq + 1 then excluded.hash
              else ${hashOf(sql`(h.seq + 1)`, sql`h.hash`)} end
        returning h.seq, h.prev_hash, h.hash
      )
      insert into audit_events (chain, seq, created_at, actor_id, action, target_type, target_id,
        outcome, ip, request_id, details, prev_hash, hash)
      select ${chain}::text, head.seq, ${at.toISOString()}::timestamptz, ${fields.actorId}::text,
        ${fields.action}::text, ${fields.targetType}::text, ${fields.targetId}::text,
        ${fields.outcome}::text, ${fields.ip}::text, ${fields.requestId}::text, ${details}::jsonb,
        head.prev_hash, head.hash
      from head`),
  );
}

/**
 * Appends one entry to its chain (appendAuditEvent) and waits for it. Call it inside the transaction
 * of the change it records; alone, it is its own transaction.
 */
export async function writeAuditEvent(tx: Tx, event: AuditEvent, now: Date = new Date()): Promise<void> {
  await appendAuditEvent(tx, event, now);
}
