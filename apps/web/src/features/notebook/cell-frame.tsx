import type { NotebookCell } from '@quarry/contracts';
import { type ReactNode, useState } from 'react';
import { ConfirmPrompt } from '../../ui/confirm-prompt';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import type { CellChanges } from './cell-changes';
import { CellNameField } from './cell-name-field';

export type CellFrameProps = {
  cell: NotebookCell;
  /** "SQL", "JavaScript", "Input", "Text". */
  kindLabel: string;
  /** "Cell 2": the cell's place, for labels. */
  label: string;
  index: number;
  total: number;
  /** An input or an upstream cell changed since this cell last ran. */
  stale: boolean;
  /** Rename, move, delete; null when the caller may not change the notebook. */
  changes: CellChanges | null;
  /** SQL cells carry `data-cell-id`, which the data browser looks for to insert a select. */
  sqlCell?: boolean;
  children: ReactNode;
};

/** What every cell has: its kind, its name, the stale marker, and moving and deleting it. */
export function CellFrame({
  cell,
  kindLabel,
  label,
  index,
  total,
  stale,
  changes,
  sqlCell,
  children,
}: CellFrameProps) {
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  const act = async (action: () => Promise<void>) => {
    setFailure(null);
    setPending(true);
    try {
      await action();
      setConfirming(false);
    } catch (error) {
      setFailure(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <article
      className={`cell cell-${cell.kind}${stale ? ' is-stale' : ''}`}
      aria-label={cell.name}
      data-cell-id={sqlCell ? cell.id : undefined}
      data-notebook-cell-id={cell.id}
      data-cell-name={cell.name}
      data-cell-kind={cell.kind}
    >
      <header className="cell-head">
        <h2 className="cell-title">
          <span className="cell-kind">{kindLabel}</span>
          <span className="visually-hidden"> {label}</span>
        </h2>
        <CellNameField
          name={cell.name}
          label={label}
          onRename={changes ? (name) => changes.rename(cell.id, name) : null}
        />
        {stale ? (
          <span
            className="badge cell-stale"
            data-testid="cell-stale"
            title="An input or a cell this one reads changed since it last ran"
          >
            Stale
          </span>
        ) : null}
        {changes ? (
          <div className="cell-head-actions">
            <button
              type="button"
              className="button button-quiet button-icon"
              aria-label={`Move ${cell.name} up`}
              title="Move up"
              disabled={index === 0 || pending}
              onClick={() => void act(() => changes.move(cell.id, index - 1))}
            >
              <span aria-hidden="true">↑</span>
            </button>
            <button
              type="button"
              className="button button-quiet button-icon"
              aria-label={`Move ${cell.name} down`}
              title="Move down"
              disabled={index === total - 1 || pending}
              onClick={() => void act(() => changes.move(cell.id, index + 1))}
            >
              <span aria-hidden="true">↓</span>
            </button>
            <button
              type="button"
              className="button button-quiet button-icon"
              aria-label={`Delete ${cell.name}`}
              title="Delete"
              disabled={pending}
              onClick={() => setConfirming(true)}
            >
              <span aria-hidden="true">×</span>
            </button>
          </div>
        ) : null}
      </header>
      {failure && !confirming ? <ErrorMessage error={quarryErrorOf(failure)} /> : null}
      {confirming && changes ? (
        <ConfirmPrompt
          question={`Delete “${cell.name}”? Cells that read it stop working until they are changed.`}
          confirmLabel="Yes, delete"
          pending={pending}
          error={failure}
          onConfirm={() => void act(() => changes.remove(cell.id))}
          onCancel={() => {
            setConfirming(false);
            setFailure(null);
          }}
        />
      ) : null}
      {children}
    </article>
  );
}
