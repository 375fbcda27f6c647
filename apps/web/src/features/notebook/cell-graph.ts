import type { InputValue, NotebookCell } from '@quarry/contracts';

/**
 * The notebook's dependency graph as the SPA needs it for stale markers and "run downstream".
 * References point only upward (a cell reads inputs and cells above it), so walking the cells in
 * order is enough. The run plan the server builds is the authority; this only decides what to mark
 * and what to run next, and stays small until @quarry/notebook's graph helpers can be imported.
 */

const NAME = /[A-Za-z_][A-Za-z0-9_]*/;
const SQL_REFERENCE = new RegExp(`\\{\\{\\s*(${NAME.source})(?:\\.(?:start|end))?\\s*\\}\\}`, 'g');
/** SQL string literals, quoted identifiers and comments: a `{{x}}` inside them is text, not a reference. */
const SQL_NOT_CODE = /'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*|\/\*[\s\S]*?\*\//g;
/** JS strings, template text, comments and property names (`.name`): none of them reads a cell. */
const JS_NOT_CODE =
  /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|\/\/[^\n]*|\/\*[\s\S]*?\*\/|\.\s*[A-Za-z_$][\w$]*/g;
const JS_IDENTIFIER = /[A-Za-z_$][\w$]*/g;

/** The names a cell's text reads, among `names` (the cells and inputs above it). */
export function referencesOf(
  kind: NotebookCell['kind'],
  source: string,
  names: ReadonlySet<string>,
): string[] {
  const found = new Set<string>();
  if (kind === 'sql') {
    for (const match of source.replace(SQL_NOT_CODE, ' ').matchAll(SQL_REFERENCE)) {
      const name = match[1];
      if (name && names.has(name)) found.add(name);
    }
  } else if (kind === 'js') {
    for (const match of source.replace(JS_NOT_CODE, ' ').matchAll(JS_IDENTIFIER)) {
      if (names.has(match[0])) found.add(match[0]);
    }
  }
  return [...found];
}

/** A cell as the graph reads it: in order, with the text it has now (a draft not yet saved included). */
export type GraphCell = { id: string; name: string; kind: NotebookCell['kind']; source: string };

/** For each cell, the ids of the cells it reads directly. */
function directReads(cells: readonly GraphCell[]): Map<string, string[]> {
  const idByName = new Map<string, string>();
  const reads = new Map<string, string[]>();
  for (const cell of cells) {
    const names = new Set(idByName.keys());
    reads.set(
      cell.id,
      referencesOf(cell.kind, cell.source, names).flatMap((name) => idByName.get(name) ?? []),
    );
    idByName.set(cell.name, cell.id);
  }
  return reads;
}

/** Every cell `cellId` depends on, directly or through others, in notebook order. */
export function upstreamOf(cells: readonly GraphCell[], cellId: string): string[] {
  const reads = directReads(cells);
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const read of reads.get(id) ?? []) {
      if (seen.has(read)) continue;
      seen.add(read);
      visit(read);
    }
  };
  visit(cellId);
  return cells.filter((cell) => seen.has(cell.id)).map((cell) => cell.id);
}

/** Every cell that depends on `cellId`, directly or through others, in notebook order. */
export function downstreamOf(cells: readonly GraphCell[], cellId: string): string[] {
  const reads = directReads(cells);
  const affected = new Set([cellId]);
  const found: string[] = [];
  for (const cell of cells) {
    if (cell.id === cellId) continue;
    if ((reads.get(cell.id) ?? []).some((id) => affected.has(id))) {
      affected.add(cell.id);
      found.push(cell.id);
    }
  }
  return found;
}

export type FingerprintCell = GraphCell & { connectionId?: string | null; input?: unknown };

/**
 * What a run of `cellId` depended on besides its own text: the text (and connection) of every
 * upstream cell and the value of every upstream input. A cell whose fingerprint now differs from
 * the one it last ran with is stale.
 */
export function runFingerprint(
  cells: readonly FingerprintCell[],
  cellId: string,
  inputValues: Readonly<Record<string, InputValue | undefined>>,
): string {
  const upstream = new Set(upstreamOf(cells, cellId));
  const parts = cells
    .filter((cell) => upstream.has(cell.id))
    .map((cell) =>
      cell.kind === 'input'
        ? [cell.name, cell.input ?? null, inputValues[cell.name] ?? null]
        : [cell.name, cell.connectionId ?? null, cell.source],
    );
  return JSON.stringify(parts);
}
