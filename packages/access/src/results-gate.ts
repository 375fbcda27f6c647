import type { Actor } from './actor';
import type { ConnectionFacts } from './connection-permissions';
import { decideCanViewResults } from './connection-permissions';
import type { Reason } from './reasons';

/**
 * The gate's answer: allowed, with the reason for each connection in order; or refused, naming the
 * first connection that refuses and the engine's reason (whose message names it too).
 */
export type ResultsGateDecision =
  | { allowed: true; reasons: Reason[] }
  | { allowed: false; connection: { id: string; name: string }; reason: Reason };

/**
 * The results gate: a reader sees a result (its rows, its column names, its row count) only with
 * Can view results on EVERY connection the result derives from — a SQL cell's own connection, a JS
 * cell's through the SQL cells it reads. Admins always pass; a group with Can query always has Can
 * view results; Public holds it by default; an anonymous visitor of an app shared with the web
 * passes only where Public holds it. A result that derives from no connection (a JS cell reading
 * only inputs) passes. The runner asks it for the run's owner before any row leaves, the API for
 * each reader at read time; both load the facts, neither re-derives a rule.
 */
export const decideResultsGate = ({
  reader,
  connections,
}: {
  reader: Actor;
  connections: readonly ConnectionFacts[];
}): ResultsGateDecision => {
  const reasons: Reason[] = [];
  for (const connection of connections) {
    const check = decideCanViewResults(reader, connection);
    if (!check.allowed) {
      return {
        allowed: false,
        connection: { id: connection.id, name: connection.name },
        reason: check.reason,
      };
    }
    reasons.push(check.reason);
  }
  return { allowed: true, reasons };
};
