import { EditorView } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { insertionAt } from './insertion';

const CELL = '.cell[data-cell-id]';

/**
 * The SQL cell the person was last in, by id, so a click in the data browser (which takes the focus)
 * still knows where they were. Listens on the document: the cells and the browser are siblings,
 * and the cells need not know the browser exists.
 */
export function useLastFocusedCell(): { readonly current: string | null } {
  const last = useRef<string | null>(null);
  useEffect(() => {
    const onFocus = (event: FocusEvent) => {
      if (!(event.target instanceof Element) || !event.target.closest('.cm-editor')) return;
      const cell = event.target.closest(CELL);
      if (cell instanceof HTMLElement && cell.dataset.cellId) last.current = cell.dataset.cellId;
    };
    document.addEventListener('focusin', onFocus);
    return () => document.removeEventListener('focusin', onFocus);
  }, []);
  return last;
}

export type InsertOutcome =
  | { ok: true; cellId: string; source: string }
  | { ok: false; reason: 'no_cell' | 'read_only' };

/** The editor of one cell, or of the first SQL cell on the page when that one is gone or unknown. */
function targetEditor(cellId: string | null): { cellId: string; view: EditorView } | null {
  const cells = [...document.querySelectorAll<HTMLElement>(CELL)];
  const preferred = cells.find((cell) => cell.dataset.cellId === cellId) ?? cells[0];
  const editor = preferred?.querySelector<HTMLElement>('.cm-editor');
  const view = editor ? EditorView.findFromDOM(editor) : null;
  const id = preferred?.dataset.cellId;
  return view && id ? { cellId: id, view } : null;
}

/**
 * Puts a statement into a cell's editor where its cursor is (see `insertionAt`) as a normal edit:
 * the cell's own change handler sees it, undo takes it back, and the cell keeps the focus so its
 * save on leaving and Ctrl/⌘+Enter work as for typed SQL.
 */
export function insertIntoCell(cellId: string | null, statement: string): InsertOutcome {
  const target = targetEditor(cellId);
  if (!target) return { ok: false, reason: 'no_cell' };
  const { view } = target;
  if (view.state.readOnly) return { ok: false, reason: 'read_only' };
  const doc = view.state.doc.toString();
  const { from, to } = view.state.selection.main;
  const change = insertionAt(doc, { from, to }, statement);
  view.dispatch({
    changes: { from: change.from, to: change.to, insert: change.insert },
    selection: { anchor: change.cursor },
    scrollIntoView: true,
    userEvent: 'input.paste',
  });
  view.focus();
  return { ok: true, cellId: target.cellId, source: view.state.doc.toString() };
}
