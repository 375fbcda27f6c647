import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { type SQLDialect, sql } from '@codemirror/lang-sql';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, type Extension, StateEffect, StateField } from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  drawSelection,
  EditorView,
  highlightActiveLine,
  keymap,
  lineNumbers,
  placeholder,
} from '@codemirror/view';
import { useEffect, useRef } from 'react';
import type { SqlPosition } from '../runs/sql-position';
import './sql-editor.css';

type SqlEditorProps = {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  onBlur?: () => void;
  readOnly?: boolean;
  describedBy?: string;
  /** The dialect of the cell's connection (sqlDialectFor), for highlighting and keywords. */
  dialect: SQLDialect;
  /** Where the last run's SQL error is, in `errorSource`; marked while the text is still that SQL. */
  errorAt?: SqlPosition | null;
  errorSource?: string;
};

const setError = StateEffect.define<{ from: number; to: number } | null>();

const errorLine = Decoration.line({ class: 'cm-sql-error-line' });
const errorMark = Decoration.mark({ class: 'cm-sql-error', attributes: { 'aria-invalid': 'true' } });

/** The SQL error's mark; it moves with edits and goes with the next run or an edit on its line. */
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, transaction) {
    let next = marks.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (!effect.is(setError)) continue;
      if (!effect.value) {
        next = Decoration.none;
        continue;
      }
      const { from, to } = effect.value;
      const line = transaction.state.doc.lineAt(from);
      const ranges = [errorLine.range(line.from)];
      if (to > from) ranges.push(errorMark.range(from, to));
      next = Decoration.set(ranges, true);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** The token at a line and column of the text: from the column to the end of the word there. */
function errorRange(state: EditorState, at: SqlPosition): { from: number; to: number } | null {
  if (at.line > state.doc.lines) return null;
  const line = state.doc.line(at.line);
  const from = Math.min(line.from + at.column - 1, line.to);
  const word = state.wordAt(from);
  const to = word && word.from === from ? word.to : Math.min(from + 1, line.to);
  return { from, to };
}

const theme = EditorView.theme({
  '&': { fontSize: '0.88rem' },
  '.cm-content': { fontFamily: 'var(--font-mono)', padding: '0.6rem 0' },
  '.cm-gutters': { fontFamily: 'var(--font-mono)' },
});

/**
 * The SQL text of a cell: CodeMirror 6 with the connection's SQL dialect, Ctrl/⌘+Enter to run,
 * and the last SQL error marked where the database placed it.
 */
export function SqlEditor({
  value,
  onChange,
  onRun,
  onBlur,
  readOnly = false,
  describedBy,
  dialect,
  errorAt = null,
  errorSource,
}: SqlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The editor is built once; these keep its handlers and settings current without rebuilding it.
  const latest = useRef({ onChange, onRun, onBlur });
  latest.current = { onChange, onRun, onBlur };
  const compartments = useRef({
    language: new Compartment(),
    editable: new Compartment(),
    aria: new Compartment(),
  });

  const ariaAttributes = (): Extension =>
    EditorView.contentAttributes.of({
      'aria-label': 'SQL',
      'aria-multiline': 'true',
      'aria-keyshortcuts': 'Control+Enter Meta+Enter',
      ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      ...(readOnly ? { 'aria-readonly': 'true' } : {}),
    });
  const editable = (): Extension => [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];

  // biome-ignore lint/correctness/useExhaustiveDependencies: built once; the effects below keep it in step
  useEffect(() => {
    if (!host.current) return;
    const { language, editable: editableSlot, aria } = compartments.current;
    const created = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle),
          placeholder('select …'),
          keymap.of([
            {
              key: 'Mod-Enter',
              preventDefault: true,
              run: () => {
                latest.current.onRun();
                return true;
              },
            },
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          language.of(sql({ dialect, upperCaseKeywords: false })),
          editableSlot.of(editable()),
          aria.of(ariaAttributes()),
          errorField,
          theme,
          EditorView.lineWrapping,
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
          EditorView.domEventHandlers({
            blur: () => {
              latest.current.onBlur?.();
            },
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
  }, []);

  // A value from outside (another save, a reset) replaces the text; our own edits already match.
  useEffect(() => {
    const current = view.current;
    if (!current || current.state.doc.toString() === value) return;
    current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: value } });
  }, [value]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the compartments read these props
  useEffect(() => {
    const current = view.current;
    if (!current) return;
    const { language, editable: editableSlot, aria } = compartments.current;
    current.dispatch({
      effects: [
        language.reconfigure(sql({ dialect, upperCaseKeywords: false })),
        editableSlot.reconfigure(editable()),
        aria.reconfigure(ariaAttributes()),
      ],
    });
  }, [dialect, readOnly, describedBy]);

  useEffect(() => {
    const current = view.current;
    if (!current) return;
    // Positions count in the SQL that ran: mark only while the editor still holds that text.
    const stillThatSql = errorSource !== undefined && current.state.doc.toString() === errorSource;
    const range = errorAt && stillThatSql ? errorRange(current.state, errorAt) : null;
    current.dispatch({ effects: setError.of(range) });
  }, [errorAt, errorSource]);

  return (
    <div ref={host} className={`sql-editor${readOnly ? ' is-readonly' : ''}`} data-testid="sql-editor" />
  );
}
