/** A change to a cell's text: replace `from`..`to` with `insert`, then put the cursor at `cursor`. */
export type Insertion = { from: number; to: number; insert: string; cursor: number };

/**
 * Where a statement goes in a cell: it replaces a selection, fills a blank cell, or goes in at the
 * cursor on a line of its own (so it never splices into the middle of a word of the SQL around it).
 */
export function insertionAt(
  doc: string,
  selection: { from: number; to: number },
  statement: string,
): Insertion {
  if (doc.trim() === '') return { from: 0, to: doc.length, insert: statement, cursor: statement.length };
  const from = Math.min(selection.from, selection.to);
  const to = Math.max(selection.from, selection.to);
  if (from !== to) return { from, to, insert: statement, cursor: from + statement.length };
  const before = from > 0 ? doc[from - 1] : '\n';
  const after = from < doc.length ? doc[from] : '\n';
  const lead = before === '\n' ? '' : '\n';
  const trail = after === '\n' ? '' : '\n';
  const insert = `${lead}${statement}${trail}`;
  return { from, to: from, insert, cursor: from + lead.length + statement.length };
}
