import type { InputCell, JsCell, MarkdownCell, QuarryError, Result, SqlCell } from '@quarry/contracts';
import { err, ok } from '@quarry/contracts';
import { forwardReference, unknownReference } from './errors';
import { jsFreeNames } from './js-references';
import { type SqlDialect, sqlReferences } from './sql-references';

type Header = 'id' | 'name' | 'position' | 'kind';

/** A cell as the notebook logic needs it (the contract's NotebookCell without display fields). */
export type GraphCell =
  | Pick<SqlCell, Header | 'connectionId' | 'source'>
  | Pick<JsCell, Header | 'source'>
  | Pick<InputCell, Header | 'input'>
  | Pick<MarkdownCell, Header | 'source'>;

/** The dialect of a SQL cell's connection; null when the project does not offer that connection. */
export type DialectOf = (connectionId: string) => SqlDialect | null;

/** Reading SQL as PostgreSQL when the connection is not known (the SPA before connections load). */
const POSTGRES: DialectOf = () => 'postgresql';

/** The cells in notebook order (by position, then id so equal positions still order the same). */
export function inOrder<C extends GraphCell>(cells: readonly C[]): C[] {
  return [...cells].sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The names a cell mentions, whatever they name: `{{name}}` of a SQL cell, the free identifiers of a
 * JS cell (a syntax error is `notebook.js_syntax`); inputs and Markdown mention nothing.
 */
export function mentionedNames(cell: GraphCell, dialectOf: DialectOf = POSTGRES): Result<string[]> {
  switch (cell.kind) {
    case 'sql': {
      const dialect = (cell.connectionId && dialectOf(cell.connectionId)) || 'postgresql';
      return ok(unique(sqlReferences(cell.source, dialect).map((r) => r.name)));
    }
    case 'js': {
      const names = jsFreeNames(cell.source);
      return names.ok ? ok([...names.value]) : names;
    }
    default:
      return ok([]);
  }
}

/**
 * The cells a cell reads, wherever they are: for SQL, the input cells its `{{…}}` name; for JS, the
 * SQL, JS and input cells its free identifiers name (other free identifiers are globals such as
 * `Math`). Position plays no part here; `checkReads` says whether they are all above.
 */
export function readCells<C extends GraphCell>(
  cell: GraphCell,
  cells: readonly C[],
  dialectOf: DialectOf = POSTGRES,
): Result<C[]> {
  const names = mentionedNames(cell, dialectOf);
  if (!names.ok) return names;
  const byName = new Map(cells.map((c) => [c.name, c]));
  const read: C[] = [];
  for (const name of names.value) {
    const target = byName.get(name);
    if (!target || target.id === cell.id) continue;
    if (cell.kind === 'sql' ? target.kind === 'input' : target.kind !== 'markdown') read.push(target);
  }
  return ok(read);
}

/**
 * The cells a cell reads, all above it, or why not: `notebook.unknown_reference` for a SQL
 * `{{name}}` naming no input (a SQL or JS cell's result cannot be read from SQL yet),
 * `notebook.forward_reference` for a read of a cell at or below it, `notebook.js_syntax`.
 */
export function checkReads<C extends GraphCell>(
  cell: GraphCell,
  cells: readonly C[],
  dialectOf: DialectOf = POSTGRES,
): Result<C[]> {
  const names = mentionedNames(cell, dialectOf);
  if (!names.ok) return err(withCell(names.error, cell.name));
  const byName = new Map(cells.map((c) => [c.name, c]));
  const read: C[] = [];
  for (const name of names.value) {
    const target = byName.get(name);
    if (cell.kind === 'sql') {
      if (target?.kind !== 'input') {
        return err(
          unknownReference(
            name,
            target && (target.kind === 'sql' || target.kind === 'js')
              ? `SQL cannot read another cell's result yet; read '${name}' from a JS cell, or add an input named '${name}'`
              : undefined,
          ),
        );
      }
    } else if (!target || target.kind === 'markdown') {
      continue;
    }
    if (target.id === cell.id) continue;
    if (target.position >= cell.position) return err(forwardReference(cell.name, target.name));
    read.push(target);
  }
  return ok(read);
}

/**
 * Every cell the given cell needs, directly or through others, in notebook order (the cell itself
 * not included). Reads that are not above, or unknown, are left out: `planRun` refuses them.
 */
export function upstreamOf<C extends GraphCell>(
  cells: readonly C[],
  cellId: string,
  dialectOf: DialectOf = POSTGRES,
): C[] {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const seen = new Set<string>();
  const queue = [cellId];
  while (queue.length) {
    const current = byId.get(queue.pop() ?? '');
    if (!current) continue;
    const read = readCells(current, cells, dialectOf);
    if (!read.ok) continue;
    for (const target of read.value) {
      if (target.position >= current.position || seen.has(target.id)) continue;
      seen.add(target.id);
      queue.push(target.id);
    }
  }
  seen.delete(cellId);
  return inOrder(cells.filter((c) => seen.has(c.id)));
}

/** Every cell that reads the given cells, directly or through others, in notebook order. */
export function downstreamOf<C extends GraphCell>(
  cells: readonly C[],
  cellIds: readonly string[],
  dialectOf: DialectOf = POSTGRES,
): C[] {
  const readers = new Map<string, string[]>();
  for (const cell of cells) {
    const read = readCells(cell, cells, dialectOf);
    if (!read.ok) continue;
    for (const target of read.value) {
      if (target.position >= cell.position) continue;
      readers.set(target.id, [...(readers.get(target.id) ?? []), cell.id]);
    }
  }
  const seen = new Set<string>();
  const queue = [...cellIds];
  while (queue.length) {
    for (const reader of readers.get(queue.pop() ?? '') ?? []) {
      if (seen.has(reader)) continue;
      seen.add(reader);
      queue.push(reader);
    }
  }
  for (const id of cellIds) seen.delete(id);
  return inOrder(cells.filter((c) => seen.has(c.id)));
}

/**
 * The runnable cells whose last result no longer matches after these cells (or input values)
 * changed: every SQL and JS cell downstream of them. A changed runnable cell is stale itself too.
 */
export function staleAfter<C extends GraphCell>(
  cells: readonly C[],
  changedIds: readonly string[],
  dialectOf: DialectOf = POSTGRES,
): C[] {
  const changed = new Set(changedIds);
  const stale = new Set(downstreamOf(cells, changedIds, dialectOf).map((c) => c.id));
  return inOrder(
    cells.filter((c) => (c.kind === 'sql' || c.kind === 'js') && (stale.has(c.id) || changed.has(c.id))),
  );
}

/**
 * Whether moving a cell to `position` keeps every read pointing upward: the cell stays below all it
 * reads and above all that read it. A read that already pointed downward does not block the
 * move. Refused with `notebook.forward_reference` naming the two cells; otherwise the cells in
 * their new order, positions 0..n-1.
 */
export function checkMove<C extends GraphCell>(
  cells: readonly C[],
  cellId: string,
  position: number,
  dialectOf: DialectOf = POSTGRES,
): Result<C[]> {
  const ordered = inOrder(cells).map((c, index) => ({ ...c, position: index }));
  const moving = ordered.find((c) => c.id === cellId);
  if (!moving) return ok(ordered);
  const rest = ordered.filter((c) => c.id !== cellId);
  rest.splice(Math.min(position, rest.length), 0, moving);
  const moved = rest.map((c, index) => ({ ...c, position: index }));
  const before = new Map(ordered.map((c) => [c.id, c.position]));
  const now = new Map(moved.map((c) => [c.id, c.position]));
  const above = (a: string, b: string, at: Map<string, number>) => (at.get(a) ?? 0) < (at.get(b) ?? 0);
  const read = readCells(moving, ordered, dialectOf);
  for (const target of read.ok ? read.value : []) {
    if (above(target.id, cellId, before) && !above(target.id, cellId, now)) {
      return err(forwardReference(moving.name, target.name));
    }
  }
  // Only the cells between the old and the new place change sides with the moving cell: the
  // others' reads cannot turn downward, so they are not read at all.
  for (const cell of ordered) {
    if (cell.id === cellId) continue;
    if (!(above(cellId, cell.id, before) && !above(cellId, cell.id, now))) continue;
    const reads = readCells(cell, ordered, dialectOf);
    if (!reads.ok || !reads.value.some((t) => t.id === cellId)) continue;
    if (above(cellId, cell.id, before) && !above(cellId, cell.id, now)) {
      return err(forwardReference(cell.name, moving.name));
    }
  }
  return ok(moved);
}

function withCell(error: QuarryError, cell: string): QuarryError {
  return { ...error, details: { ...error.details, cell } };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
