import type { Cell, Column } from '@quarry/contracts';
import postgres from 'postgres';
import type { PostgresConfig, StreamEvent, StreamOptions } from '../types';
import { toConnectorError } from './errors';
import { columnFor, toCell } from './types-map';

type StatementColumns = { statement?: { columns?: { name: string; type: number }[] } };

export function connectPostgres(config: PostgresConfig, options: { timeoutMs: number }) {
  return postgres({
    host: config.host,
    port: config.port,
    database: config.database,
    username: config.username,
    password: config.password,
    ssl:
      config.sslMode === 'disable'
        ? false
        : config.sslMode === 'require'
          ? 'require'
          : { rejectUnauthorized: true },
    max: 1,
    idle_timeout: 5,
    connect_timeout: 10,
    prepare: false,
    onnotice: () => {},
    // The server enforces the limit, so a runaway query stops even if this process dies.
    connection: { application_name: 'quarry-runner', statement_timeout: options.timeoutMs },
  });
}

/**
 * Runs one statement with bound parameters through a server-side cursor and yields its columns,
 * then batches of rows as they arrive, then the end. Memory holds one batch at a time; the row
 * limit stops the cursor (and marks the result truncated); the signal cancels the query on the
 * server, not just here.
 */
export async function* streamPostgres(
  config: PostgresConfig,
  text: string,
  params: readonly (string | number | boolean | null)[],
  options: StreamOptions,
): AsyncGenerator<StreamEvent> {
  const sql = connectPostgres(config, { timeoutMs: options.timeoutMs });
  const batchSize = options.batchSize ?? 1000;
  let cancelled = false;
  const query = sql.unsafe(text, params as (string | number | boolean | null)[]).values();
  const onAbort = () => {
    cancelled = true;
    void query.cancel();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let columns: Column[] | null = null;
  let rowCount = 0;
  let truncated = false;
  try {
    if (options.signal?.aborted) {
      cancelled = true;
      throw new Error('aborted before start');
    }
    for await (const batch of query.cursor(batchSize)) {
      if (!columns) {
        columns = describe(query);
        yield { type: 'columns', columns };
        if (cancelled) throw new Error('aborted while streaming');
      }
      const room = options.rowLimit - rowCount;
      if (batch.length > room) {
        // A row beyond the limit exists: keep what fits, mark the result truncated, and leave the
        // loop, which closes the cursor so the server stops producing rows.
        truncated = true;
        if (room > 0) yield { type: 'rows', rows: batch.slice(0, room).map(toRow) };
        rowCount += Math.max(room, 0);
        break;
      }
      rowCount += batch.length;
      yield { type: 'rows', rows: batch.map(toRow) };
      // A cancel that arrived while the consumer held this batch found the server idle between
      // fetches; leaving the loop closes the cursor.
      if (cancelled) throw new Error('aborted while streaming');
    }
    if (!columns) yield { type: 'columns', columns: describe(query) };
    yield { type: 'end', rowCount, truncated };
  } catch (error) {
    yield { type: 'error', error: toConnectorError(error, { timeoutMs: options.timeoutMs, cancelled }) };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}

const toRow = (row: unknown): Cell[] => (row as unknown[]).map(toCell);

function describe(query: unknown): Column[] {
  const columns = (query as StatementColumns).statement?.columns ?? [];
  return columns.map((c) => columnFor(c.name, c.type));
}
