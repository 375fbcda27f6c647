import { javascript } from '@codemirror/lang-javascript';
import type { Extension } from '@codemirror/state';
import { CodeEditor } from './code-editor';

type JsEditorProps = {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  onBlur?: () => void;
  readOnly?: boolean;
  describedBy?: string;
};

const language: Extension = javascript();

/** A JS cell's text: the body of an async function whose scope holds earlier cells and inputs by name. */
export function JsEditor(props: JsEditorProps) {
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
