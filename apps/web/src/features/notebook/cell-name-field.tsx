import { CellName } from '@quarry/contracts';
import { useEffect, useId, useState } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';

type CellNameFieldProps = {
  name: string;
  /** "Cell 2": which cell this names, for its label. */
  label: string;
  /** Renames the cell; null when the caller may not. */
  onRename: ((name: string) => Promise<void>) | null;
};

/**
 * A cell's name, edited in place: Enter or leaving the field renames it (later cells that read it
 * are rewritten by the server), Escape puts the old name back. Checked here first with the same
 * rule the server applies, so a bad name says why before anything is sent.
 */
export function CellNameField({ name, label, onRename }: CellNameFieldProps) {
  const id = useId();
  const [draft, setDraft] = useState(name);
  const [problem, setProblem] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  useEffect(() => setDraft(name), [name]);

  if (!onRename) {
    return (
      <span className="cell-name mono" data-testid="cell-name">
        {name}
      </span>
    );
  }

  const commit = async () => {
    setFailure(null);
    if (draft === name) {
      setProblem(null);
      return;
    }
    const parsed = CellName.safeParse(draft);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'This name cannot be used');
      return;
    }
    setProblem(null);
    setPending(true);
    try {
      await onRename(parsed.data);
    } catch (error) {
      setFailure(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <span className="cell-name-field">
      <label htmlFor={id} className="visually-hidden">
        Name of {label}
      </label>
      <input
        id={id}
        type="text"
        className="cell-name-input mono"
        value={draft}
        size={Math.max(8, draft.length + 1)}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        aria-busy={pending}
        data-testid="cell-name"
        onChange={(event) => setDraft(event.target.value)}
        onBlur={() => void commit()}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            void commit();
          } else if (event.key === 'Escape') {
            setDraft(name);
            setProblem(null);
          }
        }}
      />
      {problem ? (
        <span className="cell-name-problem" id={`${id}-problem`} role="alert">
          {problem}
        </span>
      ) : null}
      {failure ? <ErrorMessage error={quarryErrorOf(failure)} /> : null}
    </span>
  );
}
