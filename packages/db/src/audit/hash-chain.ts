import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export type ChainedFields = {
  chain: string;
  seq: number;
  at: Date;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  details: unknown;
  prevHash: string;
};

/** SHA-256 over a fixed-order JSON array of every field, so any change to any field changes it. */
export function hashAuditEntry(entry: ChainedFields): string {
  const canonical = JSON.stringify([
    entry.chain,
    entry.seq,
    entry.at.toISOString(),
    entry.actorId,
    entry.action,
    entry.targetType,
    entry.targetId,
    entry.outcome,
    entry.ip,
    entry.requestId,
    canonicalize(entry.details ?? null),
    entry.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

// jsonb does not keep key order, so details are hashed with their keys sorted.
function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonicalize(v)]),
    );
  }
  return value;
}

export type ChainBreak = { seq: number; problem: 'altered' | 'missing' | 'inserted' | 'broken_link' };

/** Walks entries in seq order and names the first one that does not fit the chain. */
export function findChainBreak(entries: (ChainedFields & { hash: string })[]): ChainBreak | null {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const entry of entries) {
    if (entry.seq > expectedSeq) return { seq: expectedSeq, problem: 'missing' };
    if (entry.seq < expectedSeq) return { seq: entry.seq, problem: 'inserted' };
    if (entry.prevHash !== prevHash) return { seq: entry.seq, problem: 'broken_link' };
    if (hashAuditEntry(entry) !== entry.hash) return { seq: entry.seq, problem: 'altered' };
    prevHash = entry.hash;
    expectedSeq += 1;
  }
  return null;
}
