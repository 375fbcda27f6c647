import { connectorKind } from '@quarry/connectors';
import type { QuarryError } from '@quarry/contracts';
import type { Queries } from '@quarry/db';
import { cells, connections, projectConnections, projects } from '@quarry/db/schema';
import type { DialectOf, GraphCell, SqlDialect } from '@quarry/notebook';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../service-context';
import { type NotebookCellRow, toNotebookCell } from './notebook-cell';

export type CellRow = typeof cells.$inferSelect;

/** A project's cells as the notebook logic reads them, in order, with the rows they came from. */
export type LockedNotebook = { rows: CellRow[]; cells: GraphCell[] };

/**
 * Locks a project of the caller's workspace for a change to its cells and reads them in order.
 * Every change of cells (add, move, rename, delete, save) takes this lock first, so positions stay
 * dense and names unique however many requests race; a run's start waits for it too, so the cells it
 * plans from are the ones it saved (readNotebookForRun: it shares the lock with other starts and
 * holds its own cell's row). Null when the project is not in this workspace.
 */
export async function lockNotebook(
  tx: Tx,
  input: { workspaceId: string; projectId: string },
): Promise<LockedNotebook | null> {
  const [project] = await tx
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, input.projectId), eq(projects.workspaceId, input.workspaceId)))
    .for('no key update');
  if (!project) return null;
  const rows = await tx
    .select()
    .from(cells)
    .where(and(eq(cells.projectId, input.projectId), eq(cells.workspaceId, input.workspaceId)))
    .orderBy(asc(cells.position), asc(cells.id));
  return { rows, cells: rows.map((row) => toNotebookCell(row, null)) };
}

/**
 * A project's notebook as a run's start reads it: the cells (what planning reads of them), the
 * dialects, the target cell held.
 */
export type NotebookForRun = { rows: NotebookCellRow[]; cells: GraphCell[]; dialectOf: DialectOf };

/** The columns a start plans from: a notebook of a hundred cells is read at every start. */
const PLANNED = {
  id: cells.id,
  name: cells.name,
  position: cells.position,
  kind: cells.kind,
  config: cells.config,
  connectionId: cells.connectionId,
  source: cells.source,
};

/**
 * What a run's start reads, in one round trip: the project row held FOR SHARE (a start changes no
 * cell but its own, so starts share the lock, while every change of cells, which holds it FOR NO
 * KEY UPDATE through lockNotebook, waits for them and they for it), then the target cell's row held
 * FOR NO KEY UPDATE (two starts of one cell go one after the other: the second sees the first's run
 * and cancels it, and saves its source last), then the cells in order and the dialects. The
 * statements are pipelined on the transaction's connection and run on the server in the order
 * written, each with a snapshot of its own taken when it starts: the cell's lock and the reads
 * come after the project's lock is held, so they see what an edit that held it committed (a cell
 * it inserted too, which a lock taken by the project's statement, with that statement's earlier
 * snapshot, would miss). `alongside`, a scalar the caller reads in the same round trip, is computed
 * by the project's statement. Null when the project is not in this workspace.
 */
export async function readNotebookForRun<A = never>(
  tx: Queries,
  input: { workspaceId: string; projectId: string; cellId: string },
  alongside?: SQL<A>,
): Promise<(NotebookForRun & { alongside: A | undefined }) | null> {
  const [[held], , rows, kinds] = await Promise.all([
    tx.execute<{ project: string | null; alongside: A | undefined }>(sql`
      select
        (select ${projects.id} from ${projects}
          where ${projects.id} = ${input.projectId} and ${projects.workspaceId} = ${input.workspaceId}
          for share) as project
        ${alongside ? sql`, (${alongside}) as alongside` : sql``}`),
    tx
      .select({ id: cells.id })
      .from(cells)
      .where(
        and(
          eq(cells.id, input.cellId),
          eq(cells.projectId, input.projectId),
          eq(cells.workspaceId, input.workspaceId),
        ),
      )
      .for('no key update'),
    tx
      .select(PLANNED)
      .from(cells)
      .where(and(eq(cells.projectId, input.projectId), eq(cells.workspaceId, input.workspaceId)))
      .orderBy(asc(cells.position), asc(cells.id)),
    projectConnectionKinds(tx, input),
  ]);
  if (!held?.project) return null;
  return {
    rows,
    cells: rows.map((row) => toNotebookCell(row, null)),
    dialectOf: dialectsOf(kinds),
    alongside: held.alongside,
  };
}

/**
 * The dialect of each connection the project imports (of the caller's workspace); null for any
 * other connection, so a SQL cell on a connection the project lost is refused, never run.
 */
export async function projectDialects(
  tx: Tx,
  input: { workspaceId: string; projectId: string },
): Promise<DialectOf> {
  return dialectsOf(await projectConnectionKinds(tx, input));
}

const projectConnectionKinds = (tx: Queries, input: { workspaceId: string; projectId: string }) =>
  tx
    .select({ id: connections.id, kind: connections.kind })
    .from(projectConnections)
    .innerJoin(connections, eq(connections.id, projectConnections.connectionId))
    .where(
      and(eq(projectConnections.projectId, input.projectId), eq(connections.workspaceId, input.workspaceId)),
    );

function dialectsOf(rows: readonly { id: string; kind: string }[]): DialectOf {
  const dialects = new Map<string, SqlDialect>();
  for (const row of rows) {
    const dialect = connectorKind(row.kind)?.dialect;
    if (dialect) dialects.set(row.id, dialect);
  }
  return (id) => dialects.get(id) ?? null;
}

/** Writes the cells' new positions, touching only the cells whose position changed. */
export async function writePositions(
  tx: Tx,
  input: {
    workspaceId: string;
    projectId: string;
    placed: readonly { id: string; position: number }[];
    was: ReadonlyMap<string, number>;
    now: Date;
  },
): Promise<void> {
  for (const cell of input.placed) {
    if (input.was.get(cell.id) === cell.position) continue;
    await tx
      .update(cells)
      .set({ position: cell.position, updatedAt: input.now })
      .where(
        and(
          eq(cells.id, cell.id),
          eq(cells.projectId, input.projectId),
          eq(cells.workspaceId, input.workspaceId),
        ),
      );
  }
}

/** Moves the project up the list, as every saved change does. */
export async function touchProject(
  tx: Tx,
  input: { workspaceId: string; projectId: string; now: Date },
): Promise<void> {
  await tx
    .update(projects)
    .set({ updatedAt: input.now })
    .where(and(eq(projects.id, input.projectId), eq(projects.workspaceId, input.workspaceId)));
}

export const fieldNotForKind = (field: string, kind: string): QuarryError => ({
  code: 'notebook.field_not_for_kind',
  message: `A ${KIND_LABELS[kind] ?? kind} cell has no ${FIELD_LABELS[field] ?? field}`,
  hint: 'Send only the fields of this kind of cell',
  details: { field },
});

export const nameTaken = (name: string): QuarryError => ({
  code: 'notebook.name_taken',
  message: `Another cell of this project is named '${name}'`,
  hint: 'Pick a name no other cell uses',
  details: { name },
});

const KIND_LABELS: Record<string, string> = { sql: 'SQL', js: 'JS', input: 'input', markdown: 'Markdown' };
const FIELD_LABELS: Record<string, string> = {
  source: 'source text',
  connectionId: 'data connection',
  input: 'input settings',
};
