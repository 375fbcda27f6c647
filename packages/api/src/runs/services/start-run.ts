import { decideCanQuery } from '@quarry/access';
import {
  err,
  ok,
  type QuarryError,
  type Result,
  type RunSummary,
  type StartRunInput,
} from '@quarry/contracts';
import { newId } from '@quarry/db';
import { cells, runs } from '@quarry/db/schema';
import { checkNotebookSize, notebookSize, planConnectionIds, planRun } from '@quarry/notebook';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { notFound } from '../../errors';
import { lockNotebook, projectDialects } from '../../projects/services/notebook-lock';
import { auditChange } from '../../service-context';
import type { Actor, ProjectScope } from '../../trpc';
import { cancelRunsWhere } from './cancel-runs';
import { toRunSummary } from './run-summary';

/** Queued plus running runs one member, and one workspace, may have at once (item 14). */
export type RunCaps = { perUser: number; perWorkspace: number };
export const DEFAULT_RUN_CAPS: RunCaps = { perUser: 25, perWorkspace: 200 };

/**
 * Saves the cell's source, plans the run from the project's saved cells (@quarry/notebook: the
 * target last, the SQL and JS cells it needs before it, input values checked and bound), records a
 * run owned by the caller with its plan, and sends a job carrying ids only (JOB-4). The API never
 * decrypts credentials and never sees rows. Every connection of the plan must be one the project
 * imports and on which the caller holds Can query. A refusal stores nothing, not even the source.
 */
export async function startRun(
  deps: Deps,
  actor: Actor,
  input: Required<StartRunInput>,
  request: RequestInfo,
  scope: ProjectScope,
): Promise<Result<RunSummary>> {
  const now = deps.now();
  const runId = newId('run');
  const caps = deps.runCaps ?? DEFAULT_RUN_CAPS;
  const started = await deps.db.transaction(async (tx) => {
    // The notebook's lock first: the cells planned from are the cells saved, whatever edits race.
    const notebook = await lockNotebook(tx, { workspaceId: actor.workspaceId, projectId: input.projectId });
    if (!notebook) return { refused: notFound('project') };
    const cell = notebook.rows.find((c) => c.id === input.cellId);
    if (!cell) return { refused: notFound('cell') };
    if (cell.kind !== 'sql' && cell.kind !== 'js') {
      return {
        refused: {
          code: 'notebook.not_runnable',
          message:
            cell.kind === 'input'
              ? 'An input is not run: cells read its value'
              : 'A Markdown cell is not run',
          hint: 'Run a SQL or JS cell',
          details: { cell: cell.name },
        } satisfies QuarryError,
      };
    }
    // A notebook past its bounds (saved before they existed) is not planned: planning reads every
    // cell it needs, under the lock. It may still shrink (see checkNotebookSize).
    const size = notebookSize(notebook.rows);
    const tooLarge = checkNotebookSize({
      cells: size.cells,
      source: size.source - cell.source.length + input.source.length,
    });
    if (tooLarge) return { refused: tooLarge };
    // Planned with the source as sent: what runs is what the cell will show once saved below.
    const planned = planRun({
      cells: notebook.cells.map((c) =>
        c.id === cell.id && c.kind !== 'input' ? { ...c, source: input.source } : c,
      ),
      targetCellId: cell.id,
      inputs: input.inputs,
      dialectOf: await projectDialects(tx, { workspaceId: actor.workspaceId, projectId: input.projectId }),
    });
    if (!planned.ok) return { refused: planned.error };
    const plan = planned.value;
    const connectionIds = planConnectionIds(plan);
    const denied = canQueryAll(scope, connectionIds);
    if (denied) return { refused: denied };
    const target = plan.steps.at(-1);
    if (!target) throw new Error('a plan has at least one step');
    // One lock per workspace makes count-then-insert atomic: of two parallel starts at the cap,
    // the second counts the first. It is held for this short transaction only.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`runs.active:${actor.workspaceId}`}, 0))`,
    );
    // The caller's active runs of this cell do not count: this start cancels them below.
    const ofThisCell = and(eq(runs.ownerId, actor.userId), eq(runs.cellId, cell.id));
    const [active] = await tx
      .select({
        mine: sql<number>`count(*) filter (where ${runs.ownerId} = ${actor.userId} and not (${ofThisCell}))::int`,
        all: sql<number>`count(*) filter (where not (${ofThisCell}))::int`,
      })
      .from(runs)
      .where(and(eq(runs.workspaceId, actor.workspaceId), inArray(runs.status, ['queued', 'running'])));
    if ((active?.mine ?? 0) >= caps.perUser) return { refused: tooManyActive('you', caps.perUser) };
    if ((active?.all ?? 0) >= caps.perWorkspace)
      return { refused: tooManyActive('this workspace', caps.perWorkspace) };
    // Running a cell again stops its earlier run, on the server too: its result is about to be
    // replaced, and a query nobody reads should not keep the warehouse busy.
    const superseded = await cancelRunsWhere(
      tx,
      and(eq(runs.workspaceId, actor.workspaceId), ofThisCell),
      'superseded',
      now,
    );
    await tx.update(cells).set({ source: input.source, updatedAt: now }).where(eq(cells.id, cell.id));
    // A SQL target keeps `connection_id` and `source` (its SQL with placeholders, never values) as
    // the SQL runner path reads them; a JS target's source is its code and its connections are
    // those of the SQL steps it reads (none when it reads no SQL cell).
    const connectionId = target.kind === 'sql' ? target.connectionId : null;
    const [row] = await tx
      .insert(runs)
      .values({
        id: runId,
        workspaceId: actor.workspaceId,
        projectId: input.projectId,
        cellId: cell.id,
        ownerId: actor.userId,
        connectionId,
        connectionIds,
        plan,
        inputs: plan.inputs,
        source: target.kind === 'sql' ? target.sql : target.source,
        rowLimit: input.rowLimit,
        // A refresh is never served from the cache (its fresh result still replaces the cached one).
        refresh: input.refresh,
        status: 'queued',
        createdAt: now,
      })
      .returning();
    await auditChange(
      tx,
      { deps, actor, request },
      {
        action: 'run.start',
        target: { type: 'run', id: runId },
        details: {
          projectId: input.projectId,
          cellId: cell.id,
          connectionId,
          connectionIds,
          steps: plan.steps.map((s) => s.cellId),
          via: actor.via.kind,
          ...(superseded.length ? { cancelled: superseded.map((r) => r.id) } : {}),
        },
      },
      now,
    );
    return { run: row };
  });
  if (started.refused) return err(started.refused);
  const { run } = started;
  if (!run) throw new Error('run insert returned no row');
  try {
    // Who and which connection, as scheduling hints only: the queue orders runs by the owner's fair
    // share and caps concurrent queries per connection; the runner decides the rest (JOB-4).
    const jobId = await deps.queue.send('run.execute', {
      runId,
      workspaceId: actor.workspaceId,
      ownerId: actor.userId,
      ...(run.connectionId ? { connectionId: run.connectionId } : {}),
    });
    await deps.db.update(runs).set({ jobId }).where(eq(runs.id, runId));
  } catch (cause) {
    deps.log.error({ runId, err: String(cause) }, 'could not queue run');
    const error = {
      code: 'queue.unavailable',
      message: 'The run could not be queued',
      hint: 'Try again in a moment',
    };
    await deps.db
      .update(runs)
      .set({ status: 'failed', error: { ...error, kind: 'system' }, finishedAt: deps.now() })
      .where(and(eq(runs.id, runId), eq(runs.status, 'queued')));
    return err(error);
  }
  return ok(toRunSummary(run));
}

/**
 * Can query on every connection the plan runs SQL on, as the engine decides it from the project's
 * facts (the gate's, loaded for this request): a connection the project does not import is refused
 * like one the caller may not query, naming it where the project knows it.
 */
function canQueryAll(scope: ProjectScope, connectionIds: readonly string[]): QuarryError | null {
  for (const id of connectionIds) {
    const connection = scope.facts.connections.find((c) => c.id === id);
    if (!connection) {
      return {
        code: 'connections.not_in_project',
        message: 'This project does not use the data connection of a cell this run needs',
        hint: 'Pick one of the project’s connections for the cell',
      };
    }
    const check = decideCanQuery(scope.facts.actor, connection);
    if (!check.allowed) {
      return {
        code: check.reason.code,
        message: check.reason.message,
        hint: 'Ask an Admin for Can query on the connection, or run a cell that does not read it',
        details: { connectionId: id },
      };
    }
  }
  return null;
}

function tooManyActive(who: 'you' | 'this workspace', cap: number): QuarryError {
  return {
    code: 'runs.too_many_active',
    message: `${who === 'you' ? 'You have' : 'This workspace has'} ${cap} runs queued or running, the most allowed at once`,
    hint: 'Wait for a run to finish or stop one, then run this again',
    details: { scope: who === 'you' ? 'user' : 'workspace', cap },
  };
}
