import { createHash } from 'node:crypto';
import type { BoundConnector } from '@quarry/connectors';
import type { connections } from '@quarry/db/schema';

type ConnectionRow = typeof connections.$inferSelect;

/**
 * Connectors whose credentials the runner unwrapped for a recent run, kept for the next runs of the
 * same connection as the warehouse sessions they open are (and for as long): a burst of runs on one
 * connection unwraps, audits and parses its record once, not once a run (the concurrent-runs bench:
 * an audit entry, a vault open and a settings parse a run, about a twentieth of all the CPU a small
 * run costs). What is kept is what a pooled session already holds (the signed-in login); nothing
 * is written anywhere.
 *
 * An entry serves only the exact record it was made from: its fingerprint covers the kind, status,
 * settings, sealed credentials (a re-saved password is a new ciphertext) and pinned SSH host key,
 * so an edited connection is unwrapped afresh. Authorization is not cached: every run is gated
 * before it asks for a connector.
 */
export type ConnectorCache = {
  /** The connector made from exactly this record, if one was kept; its idle time starts again. */
  get(connection: ConnectionRow): BoundConnector | undefined;
  /** Keeps the connector made from this record, replacing any other of the connection. */
  set(connection: ConnectionRow, connector: BoundConnector): void;
  /** Connections with a connector kept. */
  size(): number;
  /** Forgets every connector and stops the sweep. */
  close(): void;
};

type Kept = { fingerprint: string; connector: BoundConnector; usedAt: number };

export function createConnectorCache(options: {
  /** A connector unused this long is forgotten. */
  idleMs: number;
  /** Connections kept at most; the one unused longest goes first. */
  max: number;
  now?: () => number;
}): ConnectorCache {
  const now = options.now ?? Date.now;
  const kept = new Map<string, Kept>();
  let sweep: NodeJS.Timeout | null = null;
  const forgetIdle = () => {
    const before = now() - options.idleMs;
    for (const [id, entry] of kept) if (entry.usedAt <= before) kept.delete(id);
  };
  // Unwrapped credentials do not outlive their idle time in memory, even in a runner that runs
  // nothing more: a sweep runs while anything is kept.
  const scheduleSweep = () => {
    if (sweep || kept.size === 0) return;
    sweep = setTimeout(() => {
      sweep = null;
      forgetIdle();
      scheduleSweep();
    }, options.idleMs);
    sweep.unref();
  };
  return {
    get(connection) {
      const entry = kept.get(connection.id);
      if (!entry) return undefined;
      if (entry.usedAt <= now() - options.idleMs || entry.fingerprint !== fingerprintOf(connection)) {
        kept.delete(connection.id);
        return undefined;
      }
      entry.usedAt = now();
      // Most recently used last: the first in the map is the one to forget when full.
      kept.delete(connection.id);
      kept.set(connection.id, entry);
      return entry.connector;
    },
    set(connection, connector) {
      kept.delete(connection.id);
      forgetIdle();
      while (kept.size >= options.max) {
        const oldest = kept.keys().next();
        if (oldest.done) break;
        kept.delete(oldest.value);
      }
      kept.set(connection.id, { fingerprint: fingerprintOf(connection), connector, usedAt: now() });
      scheduleSweep();
    },
    size: () => kept.size,
    close() {
      kept.clear();
      if (sweep) clearTimeout(sweep);
      sweep = null;
    },
  };
}

/** Everything of a record a connector is made from, as one digest. */
function fingerprintOf(connection: ConnectionRow): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        connection.workspaceId,
        connection.kind,
        connection.status,
        connection.settings,
        connection.sshHostKey ?? null,
      ]),
    )
    .update('\0')
    .update(connection.credentials ?? Buffer.alloc(0))
    .digest('base64');
}
