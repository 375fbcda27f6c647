import {
  type BoundConnector,
  DEFAULT_RESULT_LIMITS,
  type OwnDatabase,
  type ResultLimits,
  TUNNEL_OPEN_TIMEOUT_MS,
} from '@quarry/connectors';
import { type Cell, type Column, err, ok, type Result, type SqlStep } from '@quarry/contracts';
import type { AllowList } from '@quarry/net-policy';
import { RUN_STATEMENT_TIMEOUT_MS } from '@quarry/queue';
import type { Logger } from 'pino';
import { NON_ADMIN_CONNECT_FLOOR_MS, runTag } from '../execute-run';
import type { ReaderFacts } from '../reader-identity';
import { type CellRunError, CONNECT_FAILED, CONNECT_PHASE_CODES, inputTooLarge } from './cell-errors';
import type { InputCaps } from './kernel-env';

export type CollectContext = {
  log: Logger;
  allowPrivateHosts: AllowList;
  ownDatabase?: OwnDatabase;
  limits?: ResultLimits;
  runId: string;
  signal: AbortSignal;
  ownerIsAdmin: boolean;
  reader: ReaderFacts | null;
  /** What this run's SQL steps may still collect (shared by all of them). */
  budget: { rows: number; bytes: number };
  caps: InputCaps;
  onSession?: (session: { connectionId: string; key: string }) => Promise<void>;
};

export type CollectedTable = { columns: Column[]; rows: Cell[][] };

/**
 * Runs one SQL step of a JS run on its connection, with its parameters bound (CONN-4), the run's
 * signal (cancel reaches the server), the statement timeout and the byte limits, and keeps its rows
 * in memory for the JS cells that read it, up to the run's caps: past them the step fails with a
 * typed error that says to filter or aggregate in SQL first (never a silently cut input). Connect
 * failures are hidden from non-Admins behind one answer and a floor, as for SQL runs (CONN-3).
 */
export async function collectSqlStep(
  ctx: CollectContext,
  step: SqlStep,
  connector: BoundConnector,
  connection: { sshHost: unknown },
): Promise<Result<CollectedTable, CellRunError>> {
  const limits = ctx.limits ?? DEFAULT_RESULT_LIMITS;
  const connectingSince = performance.now();
  let connected = false;
  let columns: Column[] = [];
  const rows: Cell[][] = [];
  const { onSession } = ctx;
  const events = connector.stream(
    {
      sql: step.sql,
      params: step.params,
      // One more than may be kept: a result that reaches it is over the cap, not cut at it.
      rowLimit: ctx.budget.rows + 1,
      batchSize: 1000,
      tag: runTag(ctx.runId),
      ...(ctx.reader ? { reader: { runId: ctx.runId, ...ctx.reader } } : {}),
      ...(onSession
        ? { onSession: (key: string) => onSession({ connectionId: step.connectionId, key }) }
        : {}),
    },
    {
      timeoutMs: RUN_STATEMENT_TIMEOUT_MS,
      allow: ctx.allowPrivateHosts,
      ...(ctx.ownDatabase ? { ownDatabase: ctx.ownDatabase } : {}),
      signal: ctx.signal,
      limits,
    },
  );
  let over: CellRunError | null = null;
  for await (const event of events) {
    if (event.type === 'columns') {
      connected = true;
      columns = event.columns;
    } else if (event.type === 'rows') {
      for (const row of event.rows) {
        ctx.budget.rows -= 1;
        ctx.budget.bytes -= rowBytes(row);
        rows.push(row);
      }
      if (ctx.budget.rows < 0)
        over = inputTooLarge({ cell: step.name, limit: 'rows', cap: ctx.caps.maxRows });
      else if (ctx.budget.bytes < 0)
        over = inputTooLarge({ cell: step.name, limit: 'bytes', cap: ctx.caps.maxBytes });
      // Leaving the loop ends the generator, which closes the warehouse session and its query.
      if (over) break;
    } else if (event.type === 'end') {
      return ok({ columns, rows });
    } else {
      const { kind, transient: _t, internal, ...shown } = event.error;
      ctx.log.info({ code: shown.code, kind, internal, cell: step.name }, 'SQL step of a JS run failed');
      if (shown.code === 'run.result_too_large') {
        return err({
          ...shown,
          hint: 'Filter or aggregate in SQL first (a WHERE, GROUP BY or LIMIT), so the JS cell gets only the rows it needs; an operator can raise the limit with QUARRY_RUNNER_MAX_RESULT_BYTES on the query runner',
          details: { ...shown.details, cell: step.name, setting: 'QUARRY_RUNNER_MAX_RESULT_BYTES' },
          kind,
        });
      }
      if (!connected && !ctx.ownerIsAdmin && CONNECT_PHASE_CODES.has(shown.code)) {
        const tunnel = typeof connection.sshHost === 'string' ? TUNNEL_OPEN_TIMEOUT_MS : 0;
        await sleepUntil(connectingSince + NON_ADMIN_CONNECT_FLOOR_MS + tunnel, ctx.signal);
        return err(CONNECT_FAILED);
      }
      return err({ ...shown, details: { ...shown.details, cell: step.name }, kind });
    }
  }
  if (over) return err(over);
  return err({
    code: 'run.failed',
    message: `The SQL cell '${step.name}' ended without a result`,
    kind: 'system',
  });
}

/** About the bytes a row holds as text; exact enough for a memory cap. */
function rowBytes(row: Cell[]): number {
  let bytes = 2;
  for (const cell of row) bytes += typeof cell === 'string' ? cell.length + 3 : 8;
  return bytes;
}

function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const wait = at - performance.now();
  if (wait <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
