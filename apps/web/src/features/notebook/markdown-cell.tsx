import type { MarkdownCell } from '@quarry/contracts';
import { useId, useState } from 'react';
import Markdown from 'react-markdown';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { useSaveCell } from '../projects/use-save-cell';
import { CellFrame, type CellFrameProps } from './cell-frame';
import { useCellSource } from './use-cell-source';

type MarkdownCellViewProps = {
  projectId: string;
  cell: MarkdownCell;
  editable: boolean;
  frame: Omit<CellFrameProps, 'cell' | 'children' | 'kindLabel' | 'stale'>;
};

/**
 * Text between the cells, written in Markdown and shown rendered. react-markdown builds React
 * elements from the Markdown's syntax tree: raw HTML in the text is not rendered and links with
 * unsafe protocols (javascript:) are dropped, so a cell's text cannot run script in a reader's page.
 */
export function MarkdownCellView({ projectId, cell, editable, frame }: MarkdownCellViewProps) {
  const id = useId();
  const [source, edit] = useCellSource(cell.id, cell.source);
  const [editing, setEditing] = useState(false);
  const saving = useSaveCell({ projectId, cellId: cell.id, initialSource: cell.source });

  const done = () => {
    saving.save(source);
    setEditing(false);
  };

  return (
    <CellFrame {...frame} cell={cell} kindLabel="Text" stale={false}>
      {editing ? (
        <div className="markdown-edit">
          <label htmlFor={id} className="visually-hidden">
            Markdown of {frame.label}
          </label>
          <textarea
            id={id}
            className="markdown-source mono"
            value={source}
            rows={Math.min(20, Math.max(4, source.split('\n').length + 1))}
            onChange={(event) => edit(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                done();
              }
            }}
            placeholder="# A heading, **bold**, [a link](https://example.com)"
          />
          <div className="markdown-actions">
            <span className="muted small">Markdown; raw HTML is shown as text.</span>
            <button type="button" className="button button-primary" onClick={done}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <div className="markdown-view">
          {source.trim() === '' ? (
            <p className="muted small">No text yet.</p>
          ) : (
            <div className="markdown-body" data-testid="markdown-body">
              <Markdown skipHtml>{source}</Markdown>
            </div>
          )}
          {editable ? (
            <button
              type="button"
              className="button button-quiet markdown-edit-button"
              onClick={() => setEditing(true)}
            >
              Edit text
            </button>
          ) : null}
        </div>
      )}
      <span className="cell-save muted small" aria-live="polite">
        {saving.status === 'pending' ? 'Saving…' : null}
      </span>
      {saving.error ? <ErrorMessage error={quarryErrorOf(saving.error)} /> : null}
    </CellFrame>
  );
}
