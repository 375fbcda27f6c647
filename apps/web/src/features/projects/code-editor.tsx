import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
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
import './code-editor.css';

type CodeEditorProps = {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  onBlur?: () => void;
  readOnly?: boolean;
  describedBy?: string;
  /** The language: highlighting, keywords and completion (SQL in the connection's dialect, JavaScript). */
  language: Extension;
  /** The editor's accessible name: "SQL", "JavaScript", "Markdown". */
  label: string;
  placeholderText?: string;
  /** The testid and class that say which kind of text this is (`sql-editor`, `js-editor`). */
  kind: string;
  /** Where the last run's error is, in `errorSource`; marked while the text is still that source. */
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
 * The text of a cell: CodeMirror 6 with the cell's language, Ctrl/⌘+Enter to run, and the last
 * error marked where the database placed it. SqlEditor and JsEditor give it its language.
 */
export function CodeEditor({
  value,
  onChange,
  onRun,
  onBlur,
  readOnly = false,
  describedBy,
  language: languageExtension,
  label,
  placeholderText = '',
  kind,
  errorAt = null,
  errorSource,
}: CodeEditorProps) {
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
      'aria-label': label,
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
          placeholder(placeholderText),
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
          language.of(languageExtension),
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
        language.reconfigure(languageExtension),
        editableSlot.reconfigure(editable()),
        aria.reconfigure(ariaAttributes()),
      ],
    });
  }, [languageExtension, readOnly, describedBy, label]);

  useEffect(() => {
    const current = view.current;
    if (!current) return;
    // Positions count in the SQL that ran: mark only while the editor still holds that text.
    const stillThatSql = errorSource !== undefined && current.state.doc.toString() === errorSource;
    const range = errorAt && stillThatSql ? errorRange(current.state, errorAt) : null;
    current.dispatch({ effects: setError.of(range) });
  }, [errorAt, errorSource]);

  return (
    <div ref={host} className={`code-editor ${kind}${readOnly ? ' is-readonly' : ''}`} data-testid={kind} />
  );
}
