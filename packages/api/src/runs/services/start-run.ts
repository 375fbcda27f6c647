import { decideCanQuery } from '@quarry/access';
import {
  err,
  ok,
  type QuarryError,
  type Result,
  type RunSummary,
  type StartRunInput,
} from '@quarry/contracts';
import { newId, pipelinedTransaction, postgresErrorOf, type Queries, REFUSED_SQLSTATE } from '@quarry/db';
import { appendAuditEvent } from '@quarry/db/audit';
import { cells, runIsActive, runs } from '@quarry/db/schema';
import {
  checkNotebookSize,
  MAX_NOTEBOOK_SOURCE,
  notebookSize,
  planConnectionIds,
  planRun,
} from '@quarry/notebook';
import type { QueueTx } from '@quarry/queue';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import { notFound } from '../../errors';
import { readNotebookForRun } from '../../projects/services/notebook-lock';
import { changeAuditEvent } from '../../service-context';
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
  const started = await startRunRecord(deps, actor, input, request, scope);
  return started.ok ? ok(toRunSummary(started.value)) : started;
}

/** startRun, answering the run's row as stored: what a stream of its events may start from. */
export async function startRunRecord(
  deps: Deps,
  actor: Actor,
  input: Required<StartRunInput>,
  request: RequestInfo,
  scope: ProjectScope,
): Promise<Result<typeof runs.$inferSelect>> {
  const now = deps.now();
  const runId = newId('run');
  const caps = deps.runCaps ?? DEFAULT_RUN_CAPS;
  const ctx = { deps, actor, request };
  // At most START_SLOTS start transactions of this process at once: the rest wait here, holding no
  // connection. Starts of one workspace queue on its lock for the last round trip of each, and a
  // start waiting there holds its connection, so without this a burst of starts held the whole
  // pool and every other request (the gate's reads, the result streams) waited for a connection.
  const release = await startSlots.acquire();
  // The notebook's cell count, for wording a refusal of its size that the server decided.
  let notebookCells = 0;
  const started = await pipelinedTransaction(deps.sql, async (tx, commit) => {
    // The notebook first, in one round trip: the project held against edits (shared with other
    // starts), this cell's row held against other starts of it, then the cells planned from.
    // With them, by the statement that takes the project's lock, the caller's queued and running
    // runs in the workspace: what places this run's job in the queue (its fair share), counted here
    // rather than by the queue in a round trip of its own.
    const notebook = await readNotebookForRun(
      tx,
      { workspaceId: actor.workspaceId, projectId: input.projectId, cellId: input.cellId },
      sql<number>`select count(*)::int from ${runs}
        where ${runs.workspaceId} = ${actor.workspaceId} and ${runs.ownerId} = ${actor.userId} and ${runIsActive}`,
    );
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
    // cell it needs. It may still shrink (see checkNotebookSize). Checked again below, with the
    // other starts' saved sources, when this one makes the text longer.
    const size = notebookSize(notebook.rows);
    notebookCells = size.cells;
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
      dialectOf: notebook.dialectOf,
    });
    if (!planned.ok) return { refused: planned.error };
    const plan = planned.value;
    const connectionIds = planConnectionIds(plan);
    const denied = canQueryAll(scope, connectionIds);
    if (denied) return { refused: denied };
    const target = plan.steps.at(-1);
    if (!target) throw new Error('a plan has at least one step');

    // This cell's own rows, under its row lock: running a cell again stops its earlier run, on the
    // server too (its result is about to be replaced, and a query nobody reads should not keep
    // the warehouse busy), and saves the source. A refusal below rolls both back.
    const ofThisCell = and(eq(runs.ownerId, actor.userId), eq(runs.cellId, cell.id));
    const connectionId = target.kind === 'sql' ? target.connectionId : null;
    const [superseded, jobId] = await Promise.all([
      // One statement for both: the cancel and the source saved.
      cancelRunsWhere(tx, and(eq(runs.workspaceId, actor.workspaceId), ofThisCell), 'superseded', now, {
        alongside: tx
          .update(cells)
          .set({ source: input.source, updatedAt: now })
          .where(eq(cells.id, cell.id))
          .getSQL(),
      }),
      // The run's job, in this transaction: it exists exactly when the run does, and the runner's
      // wake-up goes out at the commit. Who and which connection, as scheduling hints only: the
      // queue orders runs by the owner's fair share and caps concurrent queries per connection;
      // the runner decides the rest (JOB-4).
      deps.queue
        .send(
          'run.execute',
          {
            runId,
            workspaceId: actor.workspaceId,
            ownerId: actor.userId,
            // A JS cell's run counts against the cap of every connection its SQL steps read, and
            // is grouped (pg-boss's concurrency per connection) under the first of them.
            ...(connectionId
              ? { connectionId }
              : connectionIds[0]
                ? { connectionId: connectionIds[0], connectionIds }
                : {}),
          },
          { tx: queueTx(tx), outstanding: notebook.alongside ?? 0 },
        )
        .catch((cause: unknown) => {
          deps.log.error({ runId, err: String(cause) }, 'could not queue run');
          throw new Refused(QUEUE_UNAVAILABLE);
        }),
    ]);

    // From here to the commit, one start of the workspace at a time. One lock per workspace makes
    // count-then-insert atomic: of two parallel starts at the cap, the second counts the first.
    // The statements go out together with the COMMIT (pipelinedTransaction) and run on the server
    // in the order sent, so the lock, and the audit chain's head taken by the entry below, are held
    // for the server's work alone: the caps and the notebook's bound are decided by the server,
    // which refuses in the statement (quarry_refuse), and the commit then rolls back what this
    // start stored, as any refusal does.
    const capLock = Promise.resolve(
      tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(${`runs.active:${actor.workspaceId}`}, 0))`,
      ),
    );
    // The caller's active runs of this cell do not count: this start cancelled them above.
    const capped = Promise.resolve(
      tx.execute(sql`
          select case
            when count(*) filter (where ${runs.ownerId} = ${actor.userId} and not (${ofThisCell})) >= ${caps.perUser}
              then quarry_refuse('runs.too_many_active', 'user')
            when count(*) filter (where not (${ofThisCell})) >= ${caps.perWorkspace}
              then quarry_refuse('runs.too_many_active', 'workspace')
          end as refused
          from ${runs}
          where ${runs.workspaceId} = ${actor.workspaceId} and ${runIsActive}`),
    );
    // Starts share the notebook's lock, so two that lengthen different cells could each pass the
    // check above alone: one that makes the text longer checks the bound again here, with what
    // every start before it saved (starts of a workspace reach this point one at a time; edits
    // wait for the notebook's lock).
    const where = { workspaceId: actor.workspaceId, projectId: input.projectId };
    const bounded =
      input.source.length > cell.source.length
        ? Promise.resolve(tx.execute(notebookBoundCheck(where, cell.id, input.source.length)))
        : null;
    // A SQL target keeps `connection_id` and `source` (its SQL with placeholders, never values) as
    // the SQL runner path reads them; a JS target's source is its code and its connections are
    // those of the SQL steps it reads (none when it reads no SQL cell).
    const row: typeof runs.$inferSelect = {
      id: runId,
      workspaceId: actor.workspaceId,
      projectId: input.projectId,
      cellId: cell.id,
      ownerId: actor.userId,
      connectionId,
      connectionIds,
      plan,
      inputs: plan.inputs,
      steps: null,
      source: target.kind === 'sql' ? target.sql : target.source,
      rowLimit: input.rowLimit,
      status: 'queued',
      error: null,
      columns: null,
      rowCount: null,
      truncated: false,
      jobId,
      sessionKey: null,
      // A refresh is never served from the cache (its fresh result still replaces the cached one).
      refresh: input.refresh,
      cacheHitAt: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    };
    // The run and its audit entry in one statement: the entry is written exactly when the run is.
    const stored = appendAuditEvent(
      tx,
      changeAuditEvent(ctx, {
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
      }),
      now,
      { after: tx.insert(runs).values(row).returning({ id: runs.id }).getSQL() },
    );
    await Promise.all([capLock, capped, bounded, stored, commit()]);
    return { run: row };
  })
    .catch((error: unknown) => {
      // Refused after this start's own writes, here or by the server: the transaction rolled them back.
      if (error instanceof Refused) return { refused: error.refusal };
      const refused = refusedByServer(error, caps, notebookCells);
      if (refused) return { refused };
      throw error;
    })
    .finally(release);
  if (started.refused) return err(started.refused);
  const { run } = started;
  if (!run) throw new Error('run insert returned no row');
  return ok(run);
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

const QUEUE_UNAVAILABLE: QuarryError = {
  code: 'queue.unavailable',
  message: 'The run could not be queued',
  hint: 'Try again in a moment',
};

/**
 * The start's transaction as the queue runs its statements: pg-boss's text with `$n` placeholders,
 * its values bound as parameters.
 */
function queueTx(tx: Queries): QueueTx {
  return {
    async executeSql(text, values) {
      const chunks = text
        .split(/\$(\d+)\b/)
        .map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`));
      const rows = await tx.execute(sql.join(chunks));
      return { rows: [...rows] };
    },
  };
}

/** Start transactions one API process runs at once: a third of its pool (createDb's max of 20). */
const START_SLOTS = 6;

/** A counting semaphore: `acquire` resolves with its release once one of `size` slots is free. */
function semaphore(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    acquire(): Promise<() => void> {
      if (free > 0) {
        free -= 1;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve) => waiting.push(() => resolve(once(release))));
    },
  };
}

const once = (fn: () => void) => {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
};

const startSlots = semaphore(START_SLOTS);

/** A refusal found after the start wrote: thrown so the transaction rolls back what it wrote. */
class Refused extends Error {
  constructor(readonly refusal: QuarryError) {
    super(refusal.code);
  }
}

/**
 * The statement that refuses a start whose cell text would take the notebook past its bound
 * (MAX_NOTEBOOK_SOURCE, in UTF-16 code units as the notebook counts), with what the project's other
 * cells hold now: read after the workspace's run lock, so it counts what every earlier start saved.
 * Bounds on the others' length decide it when they can (at least one unit per character, at most
 * two, and at most one per UTF-8 byte); only when they cannot, or to word a refusal, is the exact
 * length counted, a character outside the Basic Multilingual Plane being two units. The detail of
 * the refusal is the notebook's text length with this cell's new text, in those units.
 */
function notebookBoundCheck(
  where: { workspaceId: string; projectId: string },
  cellId: string,
  length: number,
): SQL {
  const others = sql`${cells.projectId} = ${where.projectId} and ${cells.workspaceId} = ${where.workspaceId}
    and ${cells.id} <> ${cellId}`;
  return sql`
    with bounds as (
      select coalesce(sum(char_length(${cells.source})), 0) as chars,
        coalesce(sum(octet_length(${cells.source})), 0) as bytes
      from ${cells} where ${others}
    ), exact as (
      select coalesce(sum(char_length(${cells.source})
        + char_length(regexp_replace(${cells.source}, '[^\\U00010000-\\U0010FFFF]', '', 'g'))), 0) as units
      from ${cells} where ${others}
    )
    select case
      when least(2 * b.chars, b.bytes) + ${length} <= ${MAX_NOTEBOOK_SOURCE} then null
      when b.chars + ${length} > ${MAX_NOTEBOOK_SOURCE}
        then quarry_refuse('notebook.too_large', ((select units from exact) + ${length})::text)
      when (select units from exact) + ${length} > ${MAX_NOTEBOOK_SOURCE}
        then quarry_refuse('notebook.too_large', ((select units from exact) + ${length})::text)
    end as refused
    from bounds b`;
}

/** The refusal the server decided in a start's statements (quarry_refuse), worded; null for any other error. */
function refusedByServer(error: unknown, caps: RunCaps, notebookCells: number): QuarryError | null {
  const refused = postgresErrorOf(error);
  if (refused?.code !== REFUSED_SQLSTATE) return null;
  if (refused.message === 'runs.too_many_active') {
    return refused.detail === 'user'
      ? tooManyActive('you', caps.perUser)
      : tooManyActive('this workspace', caps.perWorkspace);
  }
  if (refused.message === 'notebook.too_large') {
    return checkNotebookSize({ cells: notebookCells, source: Number(refused.detail) });
  }
  return null;
}
