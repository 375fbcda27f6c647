import type { ProjectWithLogic, SqlCell } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { ConnectionSchema } from './connection-schema';
import { type SqlDialectName, selectStatement, type TableRef } from './quote-identifier';
import { insertIntoCell, useLastFocusedCell } from './sql-cell-target';
import './schema-browser.css';

type Notice = { tone: 'info' | 'warning'; text: string };

/**
 * The project's data browser (the seed's "Data browser sidebar"): one of the project's connections,
 * its schema as a tree with search, and a click on a table that writes a select of it into the SQL
 * cell the person was last in.
 */
export function DataBrowser({ project }: { project: ProjectWithLogic }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const connection =
    project.connections.find((candidate) => candidate.id === chosen) ?? project.connections[0] ?? null;
  const kinds = useQuery(trpc.connections.kinds.queryOptions());
  const lastCell = useLastFocusedCell();
  const setConnection = useMutation(
    trpc.projects.updateCell.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId: project.id }) }),
    }),
  );

  // Only SQL cells take a select; the others are not queries.
  const cells = project.cells
    .filter((cell): cell is SqlCell => cell.kind === 'sql')
    .sort((a, b) => a.position - b.position);
  const insert = (ref: TableRef) => {
    if (!connection) return;
    const kind = kinds.data?.find((candidate) => candidate.kind === connection.kind);
    // Until the kinds have loaded, PostgreSQL's quoting: the demo's, and the tier-1 default.
    const dialect: SqlDialectName = kind?.dialect ?? 'postgresql';
    const outcome = insertIntoCell(lastCell.current, selectStatement(ref, dialect));
    if (!outcome.ok) {
      setNotice({
        tone: 'warning',
        text:
          outcome.reason === 'no_cell'
            ? 'This project has no SQL cell to insert into.'
            : 'That SQL cell is read-only for you.',
      });
      return;
    }
    const index = cells.findIndex((cell) => cell.id === outcome.cellId);
    const cell = cells[index];
    const label = cell?.name ?? `Cell ${index + 1}`;
    if (!cell) return;
    if (cell.connectionId === null) {
      // A cell with no connection takes the one the table came from, so the select runs as it is.
      setConnection.mutate({
        projectId: project.id,
        cellId: cell.id,
        source: outcome.source,
        connectionId: connection.id,
      });
      setNotice({ tone: 'info', text: `Inserted into ${label}, which now queries ${connection.name}.` });
      return;
    }
    if (cell.connectionId !== connection.id) {
      // The cell's connection is the author's choice: a table from elsewhere does not change it.
      const current = project.connections.find((candidate) => candidate.id === cell.connectionId);
      setNotice({
        tone: 'warning',
        text: `Inserted into ${label}, which queries ${current?.name ?? 'another connection'}: pick ${connection.name} in the cell to run it there.`,
      });
      return;
    }
    setNotice({ tone: 'info', text: `Inserted into ${label}.` });
  };

  return (
    <aside className="data-browser" aria-labelledby={`${id}-title`} data-testid="data-browser">
      <h2 id={`${id}-title`} className="data-browser-title">
        Data browser
      </h2>
      {connection === null ? (
        <p className="muted small" data-testid="data-browser-no-connections">
          No data connection in this project yet
          {project.can.edit ? ': add or import one to browse its schema.' : '.'}
        </p>
      ) : (
        <>
          <label htmlFor={`${id}-connection`} className="visually-hidden">
            Data connection to browse
          </label>
          <select
            id={`${id}-connection`}
            className="data-browser-connection"
            value={connection.id}
            onChange={(event) => {
              setChosen(event.target.value);
              setNotice(null);
            }}
            data-testid="data-browser-connection"
          >
            {project.connections.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
          <div aria-live="polite" className="data-browser-notice">
            {notice ? (
              <p
                className={`small ${notice.tone === 'warning' ? 'notice-warning' : 'muted'}`}
                data-testid="data-browser-notice"
              >
                {notice.text}
              </p>
            ) : null}
          </div>
          {setConnection.error ? <ErrorMessage error={quarryErrorOf(setConnection.error)} /> : null}
          <ConnectionSchema
            key={connection.id}
            connectionId={connection.id}
            projectId={project.id}
            onInsert={project.can.edit && cells.length > 0 ? insert : null}
          />
          {!project.can.edit ? (
            <p className="muted small">
              Your permission on this project lets you browse but not write into its cells.
            </p>
          ) : cells.length === 0 ? (
            <p className="muted small">This project has no SQL cell to insert a select into.</p>
          ) : null}
        </>
      )}
    </aside>
  );
}
