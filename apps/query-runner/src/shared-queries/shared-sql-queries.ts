import type { BoundConnector, ConnectContext, ConnectorError, StreamRequest } from '@quarry/connectors';
import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import type { Db, Sql } from '@quarry/db';
import { type ChunkContent, createResultWriter, RESULT_ABANDONED, type ResultWriter } from '@quarry/results';
import type { Vault } from '@quarry/vault';
import { recordSharedQueryAttach } from '../metrics';
import type { RecordingSink } from '../result-cache';
import { type SqlCellOutcome, type SqlStreamOutcome, streamSqlCell } from '../sql-cell-run';

export type SharedQueryDeps = { db: Db; sql: Sql; vault: Vault; now: () => Date };

/**
 * One run reading a warehouse query: its own result (chunks keyed by its run id, written through
 * its own result writer: its delivery window, its sealing context, its attempt fence) and what it
 * is told along the way.
 */
export type SharedQueryReader = {
  workspaceId: string;
  runId: string;
  /** The run's own cancellation: it detaches this run alone. */
  signal: AbortSignal;
  /** The run's delivery window (RESULT_WINDOW_CHUNKS and RESULT_ABANDON_MS when unset). */
  window?: { chunks?: number; abandonAfterMs?: number };
  /** The attempt's start: its chunks are stored only while it still holds the run (JOB-1). */
  attemptStartedAt?: Date;
  /**
   * Called once, right after the run's first row chunk was stored, with its row count: past it,
   * rows went out, and an interrupted run must not be run again.
   */
  onFirstRows?: (rows: number) => Promise<void>;
  /** Stores the warehouse session's cancel key with the run, so an orphaned query can be cancelled. */
  onSession?: (key: string) => Promise<void>;
  /**
   * Settles once the run's end is recorded and its stored cancel key cleared (rejects when that
   * failed): the query's session is kept for another run only after every reader's has. A reader
   * without it keeps the session from being kept at all.
   */
  released?: Promise<void>;
};

/** What a query's write to its readers answers: refused once no reader is left. */
export type SharedChunkWrite = (contents: readonly ChunkContent[]) => Promise<Result<void, QuarryError>>;

/** How the run that opens a warehouse query opens it: its connector and request, bound for it. */
export type SharedQueryOpening = {
  connector: BoundConnector;
  /** The statement; the session's cancel key goes to every attached run instead of `onSession`. */
  request: Omit<StreamRequest, 'onSession'>;
  /** Limits and timeouts; the query's signal is its own (aborted when no run reads any more). */
  context: Omit<ConnectContext, 'signal'>;
  /**
   * Wraps the query's write to its readers once per warehouse query (the result cache's recording:
   * one entry per query, not one per attached run). Completed when the query succeeds, abandoned
   * otherwise.
   */
  record?: (write: SharedChunkWrite) => RecordingSink<ChunkContent, Result<void, QuarryError>>;
};

/** A run's outcome, and the run whose warehouse query it read when it attached to another's. */
export type SharedRunOutcome = { outcome: SqlCellOutcome; attachedTo: string | null };

/**
 * The warehouse queries of one runner process, by in-flight key (issue 11 point 3): identical runs
 * (`inFlightKeyOf`: same connection and version, SQL, bound values, row limit, and identity facts
 * where the connection passes identity) that arrive while a query is in flight and has released
 * nothing yet share it instead of opening their own.
 */
export type SharedQueries = {
  /**
   * Reads `key`'s query for `reader`: attaches to the one in flight when it is still joinable (no
   * chunk released yet) and opened no earlier than `notBefore` (a refresh's take: its rows must be
   * computed after it asked), or opens one with `open` (under `key`; a null key never shares).
   * The caller decided the run's gate before: only runs that passed it reach here.
   */
  run(
    deps: SharedQueryDeps,
    input: { key: string | null; notBefore?: Date; reader: SharedQueryReader; open: SharedQueryOpening },
  ): Promise<SharedRunOutcome>;
  /** Warehouse queries in flight, joinable or not. */
  inFlight(): number;
  /** Runs reading a query in flight (its opener and every run that joined it). */
  readers(): number;
};

export function createSharedQueries(): SharedQueries {
  const joinable = new Map<string, SharedSqlQuery>();
  const live = new Set<SharedSqlQuery>();
  return {
    async run(deps, input) {
      const found = input.key === null ? undefined : joinable.get(input.key);
      // Never a query this run already reads: that is an earlier attempt of it (a retry after a
      // lost heartbeat), whose query the retry has just cancelled as orphaned.
      if (
        found?.joinable &&
        !found.reads(input.reader.runId) &&
        (!input.notBefore || found.openedAt >= input.notBefore.getTime())
      ) {
        recordSharedQueryAttach();
        return { outcome: await found.attach(deps, input.reader), attachedTo: found.openedBy };
      }
      const { key } = input;
      const query: SharedSqlQuery = new SharedSqlQuery({
        openedBy: input.reader.runId,
        openedAt: deps.now().getTime(),
        // A query no run may join any more leaves the map (unless a newer one replaced it there).
        onClosed: () => {
          if (key !== null && joinable.get(key) === query) joinable.delete(key);
        },
      });
      if (key !== null) joinable.set(key, query);
      // The opener reads first, then the query starts: no chunk can go out before it is attached.
      const outcome = query.attach(deps, input.reader);
      live.add(query);
      void query.start(input.open).finally(() => {
        live.delete(query);
      });
      return { outcome: await outcome, attachedTo: null };
    },
    inFlight: () => live.size,
    readers: () => [...live].reduce((sum, query) => sum + query.readerCount, 0),
  };
}

/** The runner's own shared queries: one per process (across processes, runs do not share). */
export const runnerSharedQueries: SharedQueries = createSharedQueries();

type Detach = 'cancelled' | 'refused' | { threw: unknown };
type End = SqlStreamOutcome | { status: 'threw'; error: unknown };

type Attached = {
  reader: SharedQueryReader;
  writer: ResultWriter;
  /** The run's work in order (its session key, then each chunk); never rejects. */
  pending: Promise<void>;
  rowsWritten: boolean;
  gone: boolean;
  resolve: (outcome: SqlCellOutcome) => void;
  reject: (error: unknown) => void;
  onAbort: () => void;
};

const cancelledOutcome = (connected: boolean): SqlCellOutcome => ({
  status: 'failed',
  error: { code: 'run.cancelled', message: 'The query was cancelled', kind: 'user', transient: false },
  connected,
});
const abandonedOutcome = (connected: boolean): SqlCellOutcome => ({
  status: 'failed',
  error: { ...RESULT_ABANDONED, kind: 'user', transient: false } satisfies ConnectorError,
  connected,
});

/**
 * One warehouse query and the runs that read it. The query is the object's, not its first run's:
 * it is cancelled on the server only when no run reads it any more, so any run (the first too) may
 * be cancelled or abandoned alone. Each chunk goes to every attached run's own writer, and the next
 * is handed over only when all of them took it: the read waits for the slowest reader's window.
 */
class SharedSqlQuery {
  readonly openedBy: string;
  readonly openedAt: number;
  /** Whether a run may still attach: nothing was released yet, and some run still reads. */
  joinable = true;
  private readonly readers = new Set<Attached>();
  private readonly cancel = new AbortController();
  private readonly onClosed: () => void;
  private sessionKey: string | null = null;
  /** Every reader that ever attached: each may hold the session's cancel key until its end. */
  private readonly releases: (Promise<void> | undefined)[] = [];
  /** The runs that ever attached. */
  private readonly runIds = new Set<string>();

  get readerCount(): number {
    return this.readers.size;
  }

  /** Whether `runId` reads (or read) this query. */
  reads(runId: string): boolean {
    return this.runIds.has(runId);
  }
  private connected = false;
  private readonly ended: Promise<End>;
  private markEnded: (end: End) => void = () => undefined;

  constructor(input: { openedBy: string; openedAt: number; onClosed: () => void }) {
    this.openedBy = input.openedBy;
    this.openedAt = input.openedAt;
    this.onClosed = input.onClosed;
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve;
    });
  }

  /**
   * Adds a run as a reader, writing through its own deps; answers its outcome: the query's, or its
   * own when it left early.
   */
  attach(deps: SharedQueryDeps, reader: SharedQueryReader): Promise<SqlCellOutcome> {
    return new Promise((resolve, reject) => {
      const attached: Attached = {
        reader,
        writer: createResultWriter(deps, {
          workspaceId: reader.workspaceId,
          resultId: reader.runId,
          signal: reader.signal,
          ...(reader.window?.chunks ? { window: reader.window.chunks } : {}),
          ...(reader.window?.abandonAfterMs ? { abandonAfterMs: reader.window.abandonAfterMs } : {}),
          ...(reader.attemptStartedAt ? { attemptStartedAt: reader.attemptStartedAt } : {}),
          recordFirstRows: true,
        }),
        pending: Promise.resolve(),
        rowsWritten: false,
        gone: false,
        resolve,
        reject,
        onAbort: () => this.detach(attached, 'cancelled'),
      };
      this.readers.add(attached);
      this.runIds.add(reader.runId);
      this.releases.push(reader.released);
      if (reader.signal.aborted) {
        this.detach(attached, 'cancelled');
        return;
      }
      reader.signal.addEventListener('abort', attached.onAbort, { once: true });
      const key = this.sessionKey;
      if (key !== null) this.enqueue(attached, async () => reader.onSession?.(key));
    });
  }

  /** Runs the warehouse query to its end and tells every run still attached how it ended. */
  async start(opening: SharedQueryOpening): Promise<void> {
    const fanOut: SharedChunkWrite = async (contents) => {
      // The first chunk goes out: a run arriving from now on would miss it, so it opens its own.
      this.close();
      if (contents.some((content) => content.kind === 'columns')) this.connected = true;
      await Promise.all([...this.readers].map((attached) => this.write(attached, contents)));
      return this.readers.size > 0 ? ok(undefined) : err(RESULT_ABANDONED);
    };
    const recording = opening.record?.(fanOut);
    const write = recording ? recording.write : fanOut;
    let end: End;
    try {
      end = await streamSqlCell({
        connector: opening.connector,
        request: { ...opening.request, onSession: (key) => this.storeSession(key) },
        context: {
          ...opening.context,
          signal: this.cancel.signal,
          keepSessionAfter: () =>
            this.releases.every((released) => released !== undefined)
              ? Promise.all(this.releases)
              : Promise.reject(new Error('a reader may still hold the session key')),
        },
        sink: async (contents) => (await write(contents)).ok,
      });
      if (end.status === 'succeeded') {
        await recording?.complete({ rowCount: end.rowCount, truncated: end.truncated });
      } else {
        await recording?.abandon();
      }
    } catch (error) {
      await recording?.abandon().catch(() => undefined);
      end = { status: 'threw', error };
    }
    this.close();
    this.markEnded(end);
    for (const attached of [...this.readers]) {
      this.leave(attached);
      this.settleAfterWork(attached, async () => {
        if (end.status === 'threw') throw end.error;
        // Stopped only when no run read any more; a run still here was never told otherwise.
        return end.status === 'stopped' ? abandonedOutcome(end.connected) : end;
      });
    }
  }

  /** The session's cancel key, stored with every run reading (and with each that attaches later). */
  private async storeSession(key: string): Promise<void> {
    this.sessionKey = key;
    await Promise.all(
      [...this.readers].map((attached) =>
        this.enqueue(attached, async () => attached.reader.onSession?.(key)),
      ),
    );
  }

  /** Hands chunks (written together) to one run's own writer, after its earlier work. */
  private write(attached: Attached, contents: readonly ChunkContent[]): Promise<void> {
    return this.enqueue(attached, async () => {
      const written = await attached.writer.write(contents);
      if (attached.gone) return;
      if (!written.ok) {
        // Its reader stopped taking chunks (or its attempt lost the run): it alone leaves.
        this.detach(attached, 'refused');
        return;
      }
      const content = contents.find((c) => c.kind !== 'columns');
      if (content && !attached.rowsWritten) {
        attached.rowsWritten = true;
        await attached.reader.onFirstRows?.(content.kind === 'copy' ? content.rowCount : rowsIn(content));
      }
    });
  }

  /** Runs `work` for a run after its earlier work; a throw detaches that run alone, with the error. */
  private enqueue(attached: Attached, work: () => Promise<unknown>): Promise<void> {
    const next = attached.pending.then(async () => {
      if (attached.gone) return;
      try {
        await work();
      } catch (error) {
        this.detach(attached, { threw: error });
      }
    });
    attached.pending = next;
    return next;
  }

  /**
   * A run leaves before the query ended: cancelled, abandoned by its reader, or its write failed.
   * The last to leave cancels the query on the server, and is answered once the query ended there.
   */
  private detach(attached: Attached, why: Detach): void {
    if (attached.gone) return;
    this.leave(attached);
    const last = this.readers.size === 0;
    if (last) {
      this.close();
      this.cancel.abort();
    }
    this.settleAfterWork(attached, async () => {
      if (typeof why === 'object') throw why.threw;
      // What was written for no one is deleted.
      if (why === 'refused') await attached.writer.discard();
      const end = last ? await this.ended : null;
      if (why === 'refused') return abandonedOutcome(this.connected);
      // The last run's cancel stopped the query: it ends as the connector said, as a run of its
      // own would (a cancel that came too late to stop it finds the query's own end).
      if (end && end.status !== 'threw' && end.status !== 'stopped') return end;
      return cancelledOutcome(this.connected);
    });
  }

  private leave(attached: Attached): void {
    attached.gone = true;
    attached.reader.signal.removeEventListener('abort', attached.onAbort);
    this.readers.delete(attached);
  }

  /** Answers a run once its work in flight (a chunk being stored) ended. */
  private settleAfterWork(attached: Attached, outcome: () => Promise<SqlCellOutcome>): void {
    void attached.pending.then(outcome).then(attached.resolve, attached.reject);
  }

  private close(): void {
    if (!this.joinable) return;
    this.joinable = false;
    this.onClosed();
  }
}

const rowsIn = (content: ChunkContent): number => (content.kind === 'rows' ? content.rows.length : 0);
