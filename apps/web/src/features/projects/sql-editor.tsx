import { autocompletion, type CompletionSource } from '@codemirror/autocomplete';
import { type SQLDialect, sql } from '@codemirror/lang-sql';
import { EditorState, type Extension } from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  type EditorView,
  MatchDecorator,
  ViewPlugin,
  type ViewUpdate,
} from '@codemirror/view';
import { useMemo, useRef } from 'react';
import type { SqlPosition } from '../runs/sql-position';
import { CodeEditor } from './code-editor';
import { type SchemaLookup, schemaCompletionSource } from './schema-completion';

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
  /** Table and column names from the connection's schema, when it has one the caller may browse. */
  schemaLookup?: SchemaLookup | null;
  /** The inputs above the cell as the SQL writes them (`{{region}}`), offered after `{{`. */
  inputs?: readonly { label: string; detail: string }[];
};

/** `{{region}}`, `{{period.start}}`: an input the SQL reads, bound as a parameter when it runs. */
const inputReference = new MatchDecorator({
  regexp: /\{\{\s*[A-Za-z_][A-Za-z0-9_]*(?:\.(?:start|end))?\s*\}\}/g,
  decoration: Decoration.mark({ class: 'cm-input-ref' }),
});

const inputReferences = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = inputReference.createDeco(view);
    }
    update(update: ViewUpdate) {
      this.decorations = inputReference.updateDeco(update, this.decorations);
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

/**
 * A SQL cell's text: the connection's dialect with its keywords, table and column names completed
 * from the connection's schema, and the inputs it reads (`{{name}}`) marked.
 */
export function SqlEditor({ dialect, schemaLookup = null, inputs = [], ...props }: SqlEditorProps) {
  const inputsNow = useRef(inputs);
  inputsNow.current = inputs;
  const language = useMemo<Extension>(() => {
    // The sources live as long as this configuration: CodeMirror drops a result from a source it no
    // longer lists, so they are made here once and read what changes through a ref.
    const inputSource: CompletionSource = (context) => {
      const typed = context.matchBefore(/\{\{[\w.\s]*$/);
      if (!typed || inputsNow.current.length === 0) return null;
      const options = inputsNow.current.map((option) => ({ ...option, type: 'variable' }));
      return { from: typed.from, options, validFor: /^\{\{[\w.\s]*$/ };
    };
    const sources = [
      { autocomplete: inputSource },
      ...(schemaLookup ? [{ autocomplete: schemaCompletionSource(schemaLookup) }] : []),
    ];
    return [
      sql({ dialect, upperCaseKeywords: false }),
      inputReferences,
      autocompletion({ activateOnTypingDelay: 150 }),
      EditorState.languageData.of(() => sources),
    ];
  }, [dialect, schemaLookup]);
  return (
    <CodeEditor {...props} language={language} label="SQL" placeholderText="select …" kind="sql-editor" />
  );
}
