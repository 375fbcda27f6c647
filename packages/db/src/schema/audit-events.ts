import { bigserial, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';

/**
 * Append-only, hash-chained per chain (a workspace id, or 'system' for events that belong to no
 * workspace, such as a failed sign-in for an unknown email). Each entry stores the hash of the
 * previous one, so an altered, inserted or deleted entry breaks the chain.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chain: text('chain').notNull(),
    seq: integer('seq').notNull(),
    at: createdAt(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    outcome: text('outcome').notNull(),
    ip: text('ip'),
    requestId: text('request_id'),
    details: jsonb('details'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('audit_events_chain_seq_idx').on(t.chain, t.seq),
    index('audit_events_at_idx').on(t.chain, t.at),
  ],
);

/**
 * Each chain's newest entry: its seq and hash, and the hash before it. An append moves the head in
 * the statement that inserts the entry (appendAuditEvent): the head's row lock, held to the commit,
 * orders the writers of one chain, and the update reads the head as the last writer committed it.
 */
export const auditChainHeads = pgTable('audit_chain_heads', {
  chain: text('chain').primaryKey(),
  seq: integer('seq').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});
