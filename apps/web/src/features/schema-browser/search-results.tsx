import type { SchemaSearchHit, SchemaSearchResult } from '@quarry/contracts';
import { highlightMatches } from './highlight-match';
import type { TableRef } from './quote-identifier';
import { KIND_LABELS } from './schema-labels';

const TYPE_LABELS: Readonly<Record<SchemaSearchHit['type'], string>> = {
  database: 'database',
  schema: 'schema',
  table: 'table',
  column: 'column',
};

/** The name a hit is about: the column of a column hit, the table of a table hit, and so on. */
const hitName = (hit: SchemaSearchHit): string => hit.column ?? hit.table ?? hit.schema ?? hit.database;

/**
 * Where a hit lives, short: its schema and table (a connection reads one database in PostgreSQL,
 * so the database name would only crowd the line); the database stands in where there is no
 * schema (MySQL). The full path is the line's tooltip.
 */
const hitPath = (hit: SchemaSearchHit): string[] => {
  const container = hit.schema ?? hit.database;
  switch (hit.type) {
    case 'database':
      return [];
    case 'schema':
      return [hit.database];
    case 'table':
      return [container];
    case 'column':
      return hit.table ? [container, hit.table] : [container];
  }
};

const fullPath = (hit: SchemaSearchHit): string =>
  [hit.database, hit.schema, hit.table, hit.column].filter((part) => part !== null).join(' › ');

type SearchResultsProps = {
  q: string;
  result: SchemaSearchResult;
  onInsert: ((ref: TableRef) => void) | null;
};

/** Every name that matched, with the match marked and the path to it; tables and columns offer a select. */
export function SearchResults({ q, result, onInsert }: SearchResultsProps) {
  if (result.hits.length === 0) {
    return (
      <p className="muted small schema-search-empty" data-testid="schema-search-empty">
        No database, schema, table or column is named like “{q}”.
      </p>
    );
  }
  return (
    <>
      <ul className="schema-hits" data-testid="schema-search-results" aria-label={`Names matching ${q}`}>
        {result.hits.map((hit) => {
          const path = hitPath(hit);
          const table = hit.table;
          return (
            <li
              key={`${hit.type}\u0000${path.join('\u0000')}\u0000${hitName(hit)}`}
              className="schema-hit"
              data-testid="schema-hit"
              data-type={hit.type}
            >
              <span className="schema-hit-main">
                <span className={`schema-hit-type schema-hit-type-${hit.type}`}>
                  {hit.type === 'table' && hit.tableKind ? KIND_LABELS[hit.tableKind] : TYPE_LABELS[hit.type]}
                </span>
                <span className="schema-name">
                  {highlightMatches(hitName(hit), q).map((segment, index) =>
                    segment.match ? (
                      // biome-ignore lint/suspicious/noArrayIndexKey: segments are fixed for one render
                      <mark key={index}>{segment.text}</mark>
                    ) : (
                      // biome-ignore lint/suspicious/noArrayIndexKey: segments are fixed for one render
                      <span key={index}>{segment.text}</span>
                    ),
                  )}
                </span>
              </span>
              {path.length > 0 || hit.dbType ? (
                <span className="schema-hit-path muted" title={fullPath(hit)}>
                  {path.join(' › ')}
                  {hit.dbType ? <span className="schema-type"> · {hit.dbType}</span> : null}
                </span>
              ) : null}
              {onInsert && table !== null ? (
                <button
                  type="button"
                  className="schema-insert"
                  aria-label={`Insert a select of ${hit.schema ? `${hit.schema}.` : ''}${table} into the current cell`}
                  onClick={() => onInsert({ database: hit.database, schema: hit.schema, table })}
                >
                  Select
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
      {result.truncated ? (
        <p className="muted small" data-testid="schema-search-truncated">
          Showing the first {result.hits.length} matches: type more of the name to narrow them.
        </p>
      ) : null}
    </>
  );
}
