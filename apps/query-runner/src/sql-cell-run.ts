import type { BoundConnector, ConnectContext, ConnectorError, StreamRequest } from '@quarry/connectors';
import type { Cell, Column } from '@quarry/contracts';
import { type ChunkContent, copyColumnLetters } from '@quarry/results';

const FIRST_CHUNK_ROWS = 1000;
const MAX_CHUNK_ROWS = 16_000;
/**
 * A chunk is flushed at this many bytes of row text too, whatever its row count: wide rows would
 * otherwise make a 16,000-row chunk hundreds of MB, held whole by the runner and then the API.
 */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

export type SqlCellOutcome =
  | { status: 'succeeded'; rowCount: number; truncated: boolean }
  /** `connected`: whether the warehouse answered with columns before the error. */
  | { status: 'failed'; error: ConnectorError; connected: boolean };

/** How a warehouse read ended: as the connector said, or `stopped` because the sink took no more. */
export type SqlStreamOutcome = SqlCellOutcome | { status: 'stopped'; connected: boolean };

/**
 * Where a SQL cell's chunks go, in order: the columns chunk with the first row chunk (one write),
 * then row chunks one at a time (the columns alone for a result with no row). It answers
 * whether anyone still takes the result; `false` stops the read (the query is cancelled on the
 * server). While it has not answered, the next chunk is read but not handed over, so a sink that
 * waits (a full delivery window) keeps the warehouse waiting on its socket.
 */
export type SqlChunkSink = (contents: readonly ChunkContent[]) => Promise<boolean>;

/**
 * Streams one SQL cell's result from the warehouse into a sink: the columns chunk, then row chunks
 * that start small (the first rows reach the reader at once) and grow (a long result pays the
 * per-chunk cost of sealing, storing and notifying a few dozen times). Rows arrive from the
 * connector either as cells (written as JSON) or, where the connector passed the server's COPY text
 * through (`passthrough`), as that text, written as it came behind its framing line: no object per
 * row is built here.
 *
 * Backpressure: each chunk waits for the sink (a run's result writer waits for room in its delivery
 * window; a shared query for every attached run's, see shared-queries/); while it waits, the
 * connector's stream is not read, so the warehouse waits on its socket. A sink that answers `false`
 * (nobody reads any more) stops the read: the query is cancelled on the server first (the
 * connector's signal), then the stream is closed.
 */
export async function streamSqlCell(input: {
  connector: BoundConnector;
  request: StreamRequest;
  context: ConnectContext & { signal: AbortSignal };
  sink: SqlChunkSink;
}): Promise<SqlStreamOutcome> {
  const stop = new AbortController();
  const signal = AbortSignal.any([input.context.signal, stop.signal]);

  let connected = false;
  let letters = '';
  let rowCount = 0;
  let chunkTarget = FIRST_CHUNK_ROWS;
  let cells: Cell[][] = [];
  let texts: Buffer[] = [];
  let pendingRows = 0;
  let pendingBytes = 0;
  let stopped = false;
  // The columns are written with the first rows (or at the end of an empty result), as the cursor
  // path always did: COPY announces them before the statement produced anything, and a run
  // interrupted then (an orphan's retry) must find no chunk of it written late.
  let columnsPending: Column[] | null = null;
  /** The columns chunk if it was not written yet, to go with the next write. */
  const takeColumns = (): ChunkContent[] => {
    const columns = columnsPending;
    columnsPending = null;
    return columns ? [{ kind: 'columns', columns }] : [];
  };
  const writeColumns = async (): Promise<boolean> => {
    const columns = takeColumns();
    return columns.length ? store(columns) : true;
  };

  // One chunk is stored (window, seal, insert, notify) while the next is read from the warehouse:
  // at most one write in flight, awaited before the next starts and before any outcome, so every
  // chunk is committed before the run's terminal status.
  let inFlight: Promise<boolean> | null = null;
  const settle = async (): Promise<boolean> => {
    const pending = inFlight;
    inFlight = null;
    return pending ? pending : true;
  };
  const store = async (contents: readonly ChunkContent[]): Promise<boolean> => {
    if (await input.sink(contents)) return true;
    // Nobody reads: the query is cancelled on the server first (the connector's signal), then the
    // stream is closed by leaving the loop.
    stopped = true;
    stop.abort();
    return false;
  };
  const flush = async (): Promise<boolean> => {
    if (!pendingRows) return true;
    const content: ChunkContent =
      texts.length > 0
        ? {
            kind: 'copy',
            letters,
            text: texts.length === 1 ? (texts[0] as Buffer) : Buffer.concat(texts, pendingBytes),
            rowCount: pendingRows,
          }
        : { kind: 'rows', rows: cells };
    cells = [];
    texts = [];
    pendingRows = 0;
    pendingBytes = 0;
    chunkTarget = Math.min(chunkTarget * 2, MAX_CHUNK_ROWS);
    if (!(await settle())) return false;
    // The columns ride with the first rows: one transaction and one notification for both.
    inFlight = store([...takeColumns(), content]);
    return true;
  };
  const full = () => pendingRows >= chunkTarget || pendingBytes >= MAX_CHUNK_BYTES;

  // The server's own text where the connector can pass it through (PostgreSQL's COPY); cells
  // elsewhere (MySQL, an SSH tunnel, statements COPY cannot take: see copy-stream.ts).
  const context = { ...input.context, signal };
  const events = input.connector.streamText
    ? input.connector.streamText(input.request, context)
    : input.connector.stream(input.request, context);
  try {
    for await (const event of events) {
      if (event.type === 'columns') {
        connected = true;
        letters = copyColumnLetters(event.columns);
        columnsPending = event.columns;
      } else if (event.type === 'rows') {
        rowCount += event.rows.length;
        for (const row of event.rows) {
          cells.push(row);
          pendingRows += 1;
          pendingBytes += rowTextBytes(row);
          if (full() && !(await flush())) break;
        }
      } else if (event.type === 'copy') {
        rowCount += event.rows;
        texts.push(event.text);
        pendingRows += event.rows;
        pendingBytes += event.text.length;
        if (full() && !(await flush())) break;
      } else if (event.type === 'end') {
        if (!(await flush()) || !(await settle()) || !(await writeColumns())) break;
        return { status: 'succeeded', rowCount, truncated: event.truncated };
      } else {
        await settle();
        // A read stopped for want of a reader ends as that, not as the cancel that stopped its query.
        if (stopped) break;
        return { status: 'failed', error: event.error, connected };
      }
      if (stopped) break;
    }
  } finally {
    // A write still in flight ends before anything else (its failure, if any, is the outcome's).
    await settle().catch(() => false);
  }
  if (stopped) return { status: 'stopped', connected };
  return {
    status: 'failed',
    error: {
      code: 'run.interrupted',
      message: 'The result stream ended before the run finished',
      hint: 'Run it again',
      kind: 'system',
      transient: false,
    },
    connected,
  };
}

/** About the bytes a row adds to a chunk's JSON text; exact enough to size chunks. */
function rowTextBytes(row: Cell[]): number {
  let bytes = 2;
  for (const cell of row) bytes += typeof cell === 'string' ? cell.length + 3 : 8;
  return bytes;
}
