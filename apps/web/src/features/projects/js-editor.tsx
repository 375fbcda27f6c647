import { autocompletion, type CompletionSource } from '@codemirror/autocomplete';
import { javascript } from '@codemirror/lang-javascript';
import { EditorState, type Extension } from '@codemirror/state';
import { useMemo, useRef } from 'react';
import type { NameAbove } from '../notebook/names-above';
import { CodeEditor } from './code-editor';

type JsEditorProps = {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  onBlur?: () => void;
  readOnly?: boolean;
  describedBy?: string;
  /** The inputs and cells above, in scope by name: offered as the code is typed. */
  names?: readonly NameAbove[];
};

const DETAIL: Record<NameAbove['kind'], string> = {
  input: 'input',
  sql: 'rows of a SQL cell',
  js: 'result of a JS cell',
};

/**
 * A JS cell's text: the body of an async function whose scope holds earlier cells and inputs by
 * name, offered as completions beside the language's own.
 */
export function JsEditor({ names = [], ...props }: JsEditorProps) {
  const namesNow = useRef(names);
  namesNow.current = names;
  const language = useMemo<Extension>(() => {
    // Made once and read through a ref: CodeMirror drops a result from a source it no longer lists.
    const scope: CompletionSource = (context) => {
      const word = context.matchBefore(/[\w$]+$/);
      if ((!word && !context.explicit) || namesNow.current.length === 0) return null;
      const options = namesNow.current.map((entry) => ({
        label: entry.name,
        type: entry.kind === 'input' ? 'variable' : 'constant',
        detail: DETAIL[entry.kind],
        boost: 1,
      }));
      return { from: word?.from ?? context.pos, options, validFor: /^[\w$]*$/ };
    };
    const sources = [{ autocomplete: scope }];
    return [
      javascript(),
      autocompletion({ activateOnTypingDelay: 150 }),
      EditorState.languageData.of(() => sources),
    ];
  }, []);
  return (
    <CodeEditor
      {...props}
      language={language}
      label="JavaScript"
      placeholderText="return orders_by_status.filter((row) => row.count > 10);"
      kind="js-editor"
    />
  );
}
