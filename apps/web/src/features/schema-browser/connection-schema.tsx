import type { SchemaSearchResult, SchemaTree } from '@quarry/contracts';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { formatCount } from '../../ui/format';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { Spinner } from '../../ui/spinner';
import type { TableRef } from './quote-identifier';
import { RefreshBar } from './refresh-bar';
import { schemaQueries } from './schema-api';
import { SchemaTreeView } from './schema-tree-view';
import { SearchResults } from './search-results';
import { useDebouncedValue } from './use-debounced-value';

/** A pause this long after the last key sends the search. */
const SEARCH_DEBOUNCE_MS = 200;

type ConnectionSchemaProps = {
  connectionId: string;
  projectId: string;
  onInsert: ((ref: TableRef) => void) | null;
};

/** One connection's schema: when it was read, Refresh, a search over every name, and the tree. */
export function ConnectionSchema({ connectionId, projectId, onInsert }: ConnectionSchemaProps) {
  const input = { connectionId, projectId };
  const tree = useQuery(schemaQueries.browse(input));
  return (
    <QueryState query={tree} loading="Loading the schema…">
      {(data) => (
        <>
          <RefreshBar input={input} tree={data} />
          {data.databases.length === 0 ? (
            <EmptySchema tree={data} />
          ) : (
            <SearchableTree
              tree={data}
              connectionId={connectionId}
              projectId={projectId}
              onInsert={onInsert}
            />
          )}
        </>
      )}
    </QueryState>
  );
}

/** Nothing to show yet, and why: never read, being read for the first time, or all filtered out. */
function EmptySchema({ tree }: { tree: SchemaTree }) {
  const message = tree.activeRefresh
    ? tree.lastRefreshed
      ? 'No tables yet: a refresh is reading the schema again.'
      : 'Refreshing for the first time…'
    : tree.lastRefreshed
      ? 'No tables to show: the database has none, or the connection’s schema filter hides them all (filtered tables stay queryable).'
      : tree.canRefresh.allowed
        ? 'This schema has not been read yet. Refresh to load the schema.'
        : 'This schema has not been read yet, and refreshing it is not open to you.';
  return (
    <p className="muted small schema-empty" data-testid="schema-empty">
      {tree.activeRefresh ? <Spinner /> : null} {message}
    </p>
  );
}

type SearchableTreeProps = {
  tree: SchemaTree;
  connectionId: string;
  projectId: string;
  onInsert: ((ref: TableRef) => void) | null;
};

function SearchableTree({ tree, connectionId, projectId, onInsert }: SearchableTreeProps) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const q = useDebouncedValue(typed.trim(), SEARCH_DEBOUNCE_MS);
  const searching = typed.trim() !== '';
  const search = useQuery({ ...schemaQueries.search({ connectionId, projectId, q }), enabled: q !== '' });
  // The last answer stays on screen while the next is on its way, marked with the words it answered.
  const [shown, setShown] = useState<{ q: string; result: SchemaSearchResult } | null>(null);
  useEffect(() => {
    if (search.data && q !== '') setShown({ q, result: search.data });
  }, [search.data, q]);
  return (
    <>
      <div className="schema-search">
        <label htmlFor={`${id}-search`} className="visually-hidden">
          Search tables and columns
        </label>
        <input
          id={`${id}-search`}
          type="search"
          placeholder="Find a table or column"
          title={`Search the names of ${formatCount(tree.tableCount)} tables, their columns, schemas and databases`}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') setTyped('');
          }}
          maxLength={100}
          autoComplete="off"
          spellCheck={false}
          data-testid="schema-search"
        />
        {searching && (search.isFetching || q !== typed.trim()) ? <Spinner /> : null}
      </div>
      {searching ? (
        search.error ? (
          <ErrorMessage error={quarryErrorOf(search.error)} />
        ) : shown ? (
          <SearchResults q={shown.q} result={shown.result} onInsert={onInsert} />
        ) : null
      ) : null}
      {/* Hidden, not unmounted, while searching: what was open stays open when the search is cleared. */}
      <div hidden={searching}>
        <SchemaTreeView
          key={connectionId}
          databases={tree.databases}
          connectionId={connectionId}
          projectId={projectId}
          onInsert={onInsert}
        />
      </div>
    </>
  );
}
