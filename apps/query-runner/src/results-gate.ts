import { type ConnectionFacts, decideResultsGate, type MemberActor } from '@quarry/access';
import { err, ok, type QuarryError, type Result, RunPlan } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { connectionFacts } from '@quarry/db/access-facts';
import { connections } from '@quarry/db/schema';
import { and, eq, inArray } from 'drizzle-orm';

/** A refused gate: a user outcome, with no row, column name or count of the result in it. */
export type ResultsGateError = QuarryError & { kind: 'user' };

const HINT = 'Ask an Admin for Can view results on the data connection, then run the cell again';

/**
 * The runner's results gate (issue 11 item 5): before any row, column name or row count of a run
 * leaves the runner, its owner must hold Can view results on every connection the result derives
 * from (`runs.connection_ids`: a SQL cell's connection, a JS cell's SQL inputs'). The facts are
 * read now, from Quarry's database, scoped by the run's workspace (JOB-4); the decision is the
 * engine's. A connection that is gone (or is not this workspace's) refuses: a result whose readers
 * cannot be decided is not shown.
 */
export async function checkResultsGate(
  db: Db,
  input: { workspaceId: string; owner: MemberActor | null; connectionIds: readonly string[] },
): Promise<Result<void, ResultsGateError>> {
  if (!input.owner) {
    return err({
      code: 'access.not_a_member',
      message: 'You are no longer a member of this workspace',
      kind: 'user',
    });
  }
  const loaded = await loadConnectionsFacts(db, input.workspaceId, input.connectionIds);
  if (!loaded.ok) return loaded;
  const decision = decideResultsGate({ reader: input.owner, connections: loaded.value });
  if (decision.allowed) return ok(undefined);
  return err({
    code: decision.reason.code,
    message: decision.reason.message,
    hint: HINT,
    details: { connectionId: decision.connection.id, connection: decision.connection.name },
    kind: 'user',
  });
}

/**
 * Every connection a run's result derives from: `connection_ids`, its `connection_id` (a run
 * recorded before `connection_ids` existed has an empty list), and every SQL step's connection in
 * its stored `plan`, so a row whose list lost a connection its plan read is never let through less
 * gated. Null when the plan is stored but unreadable and no connection is known otherwise: what the
 * result derives from cannot be decided, and the gate must refuse.
 */
export function runConnectionIds(run: {
  connectionIds: readonly string[];
  connectionId: string | null;
  plan?: unknown;
}): string[] | null {
  const known = [...run.connectionIds, ...(run.connectionId ? [run.connectionId] : [])];
  if (run.plan !== null && run.plan !== undefined) {
    const plan = RunPlan.safeParse(run.plan);
    if (plan.success) {
      for (const step of plan.data.steps) if (step.kind === 'sql') known.push(step.connectionId);
    } else if (known.length === 0) {
      return null;
    }
  }
  return [...new Set(known)];
}

/** The facts of each connection, in the order given (duplicates once); a missing one refuses. */
async function loadConnectionsFacts(
  db: Db,
  workspaceId: string,
  ids: readonly string[],
): Promise<Result<ConnectionFacts[], ResultsGateError>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return ok([]);
  const rows = await db
    .select()
    .from(connections)
    .where(and(eq(connections.workspaceId, workspaceId), inArray(connections.id, unique)));
  const byId = new Map(rows.map((row) => [row.id, row]));
  const facts: ConnectionFacts[] = [];
  for (const id of unique) {
    const row = byId.get(id);
    if (!row) {
      return err({
        code: 'run.connection_deleted',
        message: 'A data connection this result is read from no longer exists',
        hint: 'Choose another connection for the SQL cells, then run the cell again',
        kind: 'user',
      });
    }
    facts.push(connectionFacts(row));
  }
  return ok(facts);
}
