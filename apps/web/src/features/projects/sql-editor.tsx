import type { KeyboardEvent } from 'react';

type SqlEditorProps = {
  value: string;
  onChange: (value: string) => void;
  onRun: () => void;
  onBlur?: () => void;
  readOnly?: boolean;
  describedBy?: string;
};

/** The SQL text of a cell. A plain textarea for now; CodeMirror replaces it behind this API. */
export function SqlEditor({ value, onChange, onRun, onBlur, readOnly = false, describedBy }: SqlEditorProps) {
  const handleKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onRun();
    }
  };
  const lines = Math.min(Math.max(value.split('\n').length + 1, 4), 24);
  return (
    <textarea
      className="sql-editor"
      aria-label="SQL"
      aria-keyshortcuts="Control+Enter Meta+Enter"
      aria-describedby={describedBy}
      spellCheck={false}
      autoCapitalize="off"
      autoComplete="off"
      autoCorrect="off"
      rows={lines}
      value={value}
      readOnly={readOnly}
      onChange={(event) => onChange(event.target.value)}
      onKeyDown={handleKeyDown}
      onBlur={onBlur}
    />
  );
}
