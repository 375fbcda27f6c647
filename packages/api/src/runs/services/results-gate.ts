import {
  type Actor,
  type ConnectionFacts,
  decideProjectPermission,
  decideResultsGate,
  meetsProjectPermission,
  type ProjectGrant,
} from '@quarry/access';
import { type QuarryError, RunPlan } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { connectionFacts, loadMemberProjectFacts } from '@quarry/db/access-facts';
import { connections, projectConnections, projectGrants, projects } from '@quarry/db/schema';
import { and, eq, inArray } from 'drizzle-orm';

/**
 * Every connection a run's result derives from: `connection_ids`, its `connection_id` (a run
 * recorded before `connection_ids` existed has an empty list), and every SQL step's connection in
 * its stored `plan`, so a row whose list lost a connection its plan read is never let through less
 * gated. Null when the plan is stored but unreadable and no connection is known otherwise: what the
 * result derives from cannot be decided, and the gate refuses.
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

/** The gate for one stored run (see `refuseRunResults`): what stream-run-events and get-run call per reader. */
export function refuseResultsOf(
  db: Db,
  run: {
    workspaceId: string;
    projectId: string;
    connectionIds: readonly string[];
    connectionId: string | null;
    plan?: unknown;
  },
  reader: ResultsReader,
): Promise<QuarryError | null> {
  const connectionIds = runConnectionIds(run);
  if (!connectionIds) return Promise.resolve(UNREADABLE_PLAN);
  return refuseRunResults(db, { run, connectionIds, reader });
}

/** A run whose record cannot say where its result came from: not shown (fail closed). */
const UNREADABLE_PLAN: QuarryError = {
  code: 'run.failed',
  message: 'This run’s record does not say which data connections its result was read from',
  hint: 'Run the cell again',
};

/** Who reads a run's result: a member (by user id), or an anonymous visitor of a web-shared app. */
export type ResultsReader = { kind: 'member'; userId: string } | { kind: 'anonymous' };

const HINT = 'Ask an Admin for Can view results on the data connection, then run the cell again';

/**
 * The API's results gate at read time (issue 11 item 5), for one reader of one run, decided now:
 * the reader is a member of the run's workspace (an anonymous visitor only through Public), still
 * sees the project, and holds Can view results on EVERY connection the result derives from
 * (`runs.connection_ids`). The facts come from Quarry's database, scoped by the run's workspace;
 * the rules are @quarry/access's (`decideResultsGate`). A connection that is gone, or is not this
 * workspace's, refuses without naming anything of it. Null when the reader may read; otherwise a
 * typed error (access.* → FORBIDDEN) that names the connection, and nothing of the result.
 */
export async function refuseRunResults(
  db: Db,
  input: {
    run: { workspaceId: string; projectId: string };
    connectionIds: readonly string[];
    reader: ResultsReader;
  },
): Promise<QuarryError | null> {
  const { run } = input;
  const ids = [...new Set(input.connectionIds)];
  let actor: Actor;
  let projectFacts: Parameters<typeof decideProjectPermission>[0] | null;
  let listed: ConnectionFacts[];
  if (input.reader.kind === 'member') {
    // The member, their facts on the project and the result's connections, in one statement (this
    // runs once per result read).
    const loaded = await loadMemberProjectFacts(db, {
      workspaceId: run.workspaceId,
      userId: input.reader.userId,
      projectId: run.projectId,
      connectionIds: ids,
    });
    if (!loaded.member)
      return { code: 'access.not_a_member', message: 'You are no longer a member of this workspace' };
    actor = loaded.member;
    projectFacts = loaded.facts;
    listed = loaded.listed;
  } else {
    actor = { kind: 'anonymous' };
    projectFacts = await loadAnonymousProjectFacts(db, run);
    listed = ids.length
      ? (
          await db
            .select()
            .from(connections)
            .where(and(eq(connections.workspaceId, run.workspaceId), inArray(connections.id, ids)))
        ).map(connectionFacts)
      : [];
  }
  if (!projectFacts)
    return { code: 'not_found.project', message: 'The project of this run no longer exists' };
  const project = decideProjectPermission(projectFacts);
  if (!meetsProjectPermission(project.effective, 'can_view')) {
    const reason = project.reasons.at(-1);
    return {
      code: reason?.code ?? 'access.insufficient_permission',
      message: reason?.message ?? 'You can no longer see this project',
      hint: HINT,
    };
  }
  const byId = new Map(listed.map((connection) => [connection.id, connection]));
  const facts: ConnectionFacts[] = [];
  for (const id of ids) {
    const found = byId.get(id);
    if (!found) {
      return {
        code: 'run.connection_deleted',
        message: 'A data connection this result was read from no longer exists',
        hint: 'Run the cell again on one of the project’s connections',
      };
    }
    facts.push(found);
  }
  const decision = decideResultsGate({ reader: actor, connections: facts });
  if (decision.allowed) return null;
  return {
    code: decision.reason.code,
    message: decision.reason.message,
    hint: HINT,
    details: { connectionId: decision.connection.id, connection: decision.connection.name },
  };
}

/**
 * What the engine needs to decide an anonymous visitor's permission on a project: the grants to
 * Public (sharing with the web) and the project's connections. Null when the project is not in the
 * run's workspace.
 */
async function loadAnonymousProjectFacts(
  db: Db,
  run: { workspaceId: string; projectId: string },
): Promise<Parameters<typeof decideProjectPermission>[0] | null> {
  const [project] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, run.projectId), eq(projects.workspaceId, run.workspaceId)));
  if (!project) return null;
  const [grants, imported] = await Promise.all([
    db
      .select({ permission: projectGrants.permission })
      .from(projectGrants)
      .where(
        and(
          eq(projectGrants.projectId, run.projectId),
          eq(projectGrants.workspaceId, run.workspaceId),
          eq(projectGrants.groupId, 'public'),
        ),
      ),
    // Through the project's own workspace, as loadProjectFacts reads them: a stray link row can
    // only add a connection's restrictions (fail closed), never drop them.
    db
      .select({ connection: connections })
      .from(projectConnections)
      .innerJoin(projects, eq(projects.id, projectConnections.projectId))
      .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
      .where(and(eq(projectConnections.projectId, run.projectId), eq(projects.workspaceId, run.workspaceId))),
  ]);
  return {
    actor: { kind: 'anonymous' },
    grants: grants.map(
      (g): ProjectGrant => ({ to: { kind: 'group', groupId: 'public' }, permission: g.permission }),
    ),
    assets: [],
    connections: imported.map((row) => connectionFacts(row.connection)),
  };
}
