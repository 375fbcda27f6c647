import { type SQLDialect, sql } from '@codemirror/lang-sql';
import type { Extension } from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  type EditorView,
  MatchDecorator,
  ViewPlugin,
  type ViewUpdate,
} from '@codemirror/view';
import { useMemo } from 'react';
import type { SqlPosition } from '../runs/sql-position';
import { CodeEditor } from './code-editor';

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

/** A SQL cell's text: the connection's dialect, and the inputs it reads (`{{name}}`) marked. */
export function SqlEditor({ dialect, ...props }: SqlEditorProps) {
  const language = useMemo<Extension>(
    () => [sql({ dialect, upperCaseKeywords: false }), inputReferences],
    [dialect],
  );
  return (
    <CodeEditor {...props} language={language} label="SQL" placeholderText="select …" kind="sql-editor" />
  );
}
