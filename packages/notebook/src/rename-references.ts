import { err, ok, type Result } from '@quarry/contracts';
import { type DialectOf, type GraphCell, inOrder } from './graph';
import { analyzeJs, jsFreeNames } from './js-references';
import { sqlReferences } from './sql-references';

/** A cell whose source a rename rewrote. */
export type RewrittenSource = { cellId: string; source: string };

const POSTGRES: DialectOf = () => 'postgresql';

/**
 * The new sources of the cells below the cell named `oldName` that refer to it, once it is called
 * `newName`: `{{old}}` and `{{old.start}}` in SQL (outside literals and comments), and the free
 * occurrences of the identifier in JS (not properties, keys, strings or shadowing locals; a
 * shorthand `{ old }` becomes `{ old: new }` so the key stays). A JS cell that does not parse is
 * left as it is. Refused with `notebook.name_taken` when a JS cell that reads the old name declares
 * the new one itself, which would capture the rewritten reference.
 */
export function renameReferences(
  cells: readonly GraphCell[],
  oldName: string,
  newName: string,
  dialectOf: DialectOf = POSTGRES,
): Result<RewrittenSource[]> {
  const ordered = inOrder(cells);
  const renamed = ordered.find((c) => c.name === oldName);
  if (!renamed) return ok([]);
  const rewritten: RewrittenSource[] = [];
  for (const cell of ordered) {
    if (cell.position <= renamed.position) continue;
    if (cell.kind === 'sql') {
      const dialect = (cell.connectionId && dialectOf(cell.connectionId)) || 'postgresql';
      const spans = sqlReferences(cell.source, dialect)
        .filter((r) => r.name === oldName)
        .map((r) => ({ start: r.nameStart, end: r.nameEnd, text: newName }));
      if (spans.length) rewritten.push({ cellId: cell.id, source: splice(cell.source, spans) });
    } else if (cell.kind === 'js') {
      // The remembered names first: a cell that does not read the old name is not parsed again.
      const names = jsFreeNames(cell.source);
      if (!names.ok || !names.value.includes(oldName)) continue;
      const analysis = analyzeJs(cell.source);
      if (!analysis.ok) continue;
      const occurrences = analysis.value.free.filter((r) => r.name === oldName);
      if (!occurrences.length) continue;
      if (analysis.value.declared.has(newName)) {
        return err({
          code: 'notebook.name_taken',
          message: `The JS cell '${cell.name}' already uses the name '${newName}' for something of its own`,
          hint: `Pick another name, or rename '${newName}' inside '${cell.name}' first`,
          details: { name: newName, cell: cell.name },
        });
      }
      const spans = occurrences.map((r) => ({
        start: r.start,
        end: r.end,
        text: r.shorthand ? `${oldName}: ${newName}` : newName,
      }));
      rewritten.push({ cellId: cell.id, source: splice(cell.source, spans) });
    }
  }
  return ok(rewritten);
}

function splice(source: string, spans: { start: number; end: number; text: string }[]): string {
  let out = '';
  let last = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    out += source.slice(last, span.start) + span.text;
    last = span.end;
  }
  return out + source.slice(last);
}
