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
  const { before, middle } = chainedTextAround(entry);
  return createHash('sha256')
    .update(chainedText(before, entry.seq, middle, entry.prevHash))
    .digest('hex');
}

/**
 * The hashed text of an entry is `before`, its seq, `middle`, then its previous hash as a JSON
 * string and the closing bracket: the JSON array [chain, seq, at, actorId, action, targetType,
 * targetId, outcome, ip, requestId, details (keys sorted), prevHash]. Cut there so the two values
 * only the chain's head decides can be filled in by the database (appendAuditEvent), with nothing
 * else of the entry to encode.
 */
export function chainedTextAround(entry: Omit<ChainedFields, 'seq' | 'prevHash'>): {
  before: string;
  middle: string;
} {
  const rest = JSON.stringify([
    entry.at.toISOString(),
    entry.actorId,
    entry.action,
    entry.targetType,
    entry.targetId,
    entry.outcome,
    entry.ip,
    entry.requestId,
    canonicalize(entry.details ?? null),
  ]);
  return { before: `[${JSON.stringify(entry.chain)},`, middle: `,${rest.slice(1, -1)},` };
}

/** The hashed text from its parts; a hash is lowercase hex, which JSON quotes as it is. */
export const chainedText = (before: string, seq: number, middle: string, prevHash: string): string =>
  `${before}${seq}${middle}"${prevHash}"]`;

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
