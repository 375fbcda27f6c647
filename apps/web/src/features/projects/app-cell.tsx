import type { AppCell } from '@quarry/contracts';

/**
 * One cell of a project opened at Can view: its place in the app and its result, never its SQL or
 * data connection (the server does not send them). Results are not yet published to the app's
 * audience, so there is nothing to show until they are.
 */
export function AppCellView({ cell, index }: { cell: AppCell; index: number }) {
  return (
    <article className="cell cell-app" data-cell-id={cell.id} aria-labelledby={`${cell.id}-title`}>
      <div className="cell-toolbar">
        <h2 className="cell-title" id={`${cell.id}-title`}>
          Cell {index + 1}
        </h2>
      </div>
      <p className="muted small" data-testid="app-cell-empty">
        No result to show yet.
      </p>
    </article>
  );
}
