import {
  decideCanQuery,
  decideProjectPermission,
  isAdmin,
  type MemberActor,
  meetsProjectPermission,
} from '@quarry/access';
import type { BoundConnector, OwnDatabase, ResultLimits } from '@quarry/connectors';
import {
  type Cell,
  type Column,
  err,
  InputConfig,
  type InputType,
  type InputValue,
  type JsStep,
  ok,
  type ProjectPermission,
  type QuarryError,
  type Result,
  RunPlan,
  type RunStepOutcome,
  type SqlStep,
} from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { connectionFacts, loadMemberProjectFacts } from '@quarry/db/access-facts';
import { cells, connections } from '@quarry/db/schema';
import type { AllowList } from '@quarry/net-policy';
import type { Vault } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { connectionConfig } from '../connection-config';
import type { KernelPool, KernelSession } from '../kernels';
import type { KernelError } from '../kernels/kernel-errors';
import { loadReaderFacts } from '../reader-identity';
import { checkResultsGate } from '../results-gate';
import { type CellRunError, cancelled } from './cell-errors';
import { type CollectedTable, collectSqlStep } from './collect-sql-step';
import type { InputCaps } from './kernel-env';
import { loadRunSecrets } from './project-secrets';
import {
  jsTableForKernel,
  kernelValue,
  type OutputTable,
  outputTable,
  sqlTableForKernel,
} from './typed-values';

/**
 * Where a JS run's result goes: the coordinator connects it to the run's chunk writer (a
 * ResultWriter's `write` fits as it is). `columns` once then `rows` batches for a table; `value`
 * once (the value's JSON text) for a value. A write that answers a failure (`run.abandoned`: nobody
 * reads the result) stops the output, and the run ends with that error.
 */
export type ResultSink = {
  columns: (columns: Column[]) => Promise<SinkAnswer>;
  rows: (batch: Cell[][]) => Promise<SinkAnswer>;
  value: (json: string) => Promise<SinkAnswer>;
};
type SinkAnswer = undefined | Result<unknown, QuarryError>;

/** The sink's refusal as the run's error, or null when it took the write. */
const refusedBy = (answer: SinkAnswer): CellRunError | null =>
  answer && !answer.ok ? { ...answer.error, kind: 'user' } : null;

export type CellsDeps = {
  db: Db;
  vault: Vault;
  log: Logger;
  now: () => Date;
  allowPrivateHosts: AllowList;
  ownDatabase?: OwnDatabase;
  limits?: ResultLimits;
  kernels: KernelPool;
  /** What the SQL steps of one JS run may keep in memory (rows and bytes, all steps together). */
  inputCaps: InputCaps;
};

/** The run, as its row says (the runner took it; ids scoped by its workspace). */
export type JsRun = {
  id: string;
  workspaceId: string;
  projectId: string;
  ownerId: string;
  /** The most rows of the target's table that go out; past it the result is marked truncated. */
  rowLimit: number;
};

export type JsPlanInput = {
  run: JsRun;
  plan: RunPlan;
  signal: AbortSignal;
  sink: ResultSink;
  /**
   * The least project permission the owner must hold now to run it (JOB-4): Can edit, as runs.start
   * asks, unless the caller runs it for someone else's reading (a data app's viewer, later). Secrets
   * reach the kernel only for Can edit and Full access, whatever this says.
   */
  minimumPermission?: ProjectPermission;
  /** Each SQL step's warehouse session cancel key, before its statement runs (JOB-6). */
  onSession?: (session: { connectionId: string; key: string }) => Promise<void>;
};

export type JsPlanResult = { kind: 'table'; rowCount: number; truncated: boolean } | { kind: 'value' };

/** How the run went: the result or a typed error, and each step that ran (rows and ms). */
export type JsPlanOutcome = { steps: RunStepOutcome[]; result: Result<JsPlanResult, CellRunError> };

const OUTPUT_BATCH_ROWS = 4000;

/**
 * The plan stored with a run (`runs.plan`), when its target is a JS cell: what execute-run
 * dispatches on. Null for a SQL target, a run stored before plans, or a plan that does not parse
 * (the SQL path then runs the run's own source, as before).
 */
export function jsPlanOf(stored: unknown): RunPlan | null {
  const parsed = RunPlan.safeParse(stored);
  if (!parsed.success) return null;
  return parsed.data.steps.at(-1)?.kind === 'js' ? parsed.data : null;
}

/**
 * Executes a run whose target is a JS cell (issue 11 item 2): the upstream SQL steps on their
 * connections (Can query re-checked on each, JOB-4; rows kept in memory up to the caps), then the
 * JS steps in ONE kernel session — one fresh isolate for the run (KRN-5) — each handed the cells
 * and inputs it `uses` as typed values (see typed-values.ts). The results gate is passed before
 * anything runs and again before anything goes out: the owner needs Can view results on every
 * connection the result derives from. The run's signal cancels the running query on the server
 * and disposes the isolate. Secrets reach the kernel only for Can edit and Full access owners.
 */
export async function executeJsPlan(deps: CellsDeps, input: JsPlanInput): Promise<JsPlanOutcome> {
  const steps: RunStepOutcome[] = [];
  const result = await execute(deps, input, steps).catch((error: unknown) => {
    deps.log.error({ runId: input.run.id, err: error }, 'JS run failed');
    return err<CellRunError>({
      code: 'run.failed',
      message: 'The run failed',
      hint: 'Run it again',
      kind: 'system',
    });
  });
  return { steps, result };
}

async function execute(
  deps: CellsDeps,
  input: JsPlanInput,
  steps: RunStepOutcome[],
): Promise<Result<JsPlanResult, CellRunError>> {
  const { run, plan, signal } = input;
  const log = deps.log.child({ runId: run.id });
  const target = plan.steps.at(-1);
  if (target?.kind !== 'js') {
    return err({ code: 'run.failed', message: 'This run has no JS cell to run', kind: 'system' });
  }
  const sqlSteps = plan.steps.filter((s): s is SqlStep => s.kind === 'sql');
  const jsSteps = plan.steps.filter((s): s is JsStep => s.kind === 'js');

  // JOB-4: who runs it, and what they may do, as Quarry's database says now.
  const { member: owner, facts } = await loadMemberProjectFacts(deps.db, {
    workspaceId: run.workspaceId,
    userId: run.ownerId,
    projectId: run.projectId,
  });
  if (!owner)
    return err({
      code: 'access.not_a_member',
      message: 'You are no longer a member of this workspace',
      kind: 'user',
    });
  if (!facts)
    return err({
      code: 'not_found.project',
      message: 'The project of this run no longer exists',
      kind: 'user',
    });
  const project = decideProjectPermission(facts);
  if (!meetsProjectPermission(project.effective, input.minimumPermission ?? 'can_edit')) {
    const reason = project.reasons.at(-1);
    return err({
      code: reason?.code ?? 'access.insufficient_permission',
      message: reason?.message ?? 'You need Can edit on this project to run its cells',
      kind: 'user',
    });
  }
  const connectionIds = sqlSteps.map((s) => s.connectionId);
  const gate = await checkResultsGate(deps.db, { workspaceId: run.workspaceId, owner, connectionIds });
  if (!gate.ok) return gate;
  if (signal.aborted) return err(cancelled());

  // The SQL steps first: SQL cells read inputs only, never other cells' results.
  const tables = new Map<string, CollectedTable>();
  if (sqlSteps.length > 0) {
    const reader = await loadReaderFacts(deps.db, { workspaceId: run.workspaceId, actor: owner });
    const budget = { rows: deps.inputCaps.maxRows, bytes: deps.inputCaps.maxBytes };
    for (const step of sqlSteps) {
      const t0 = performance.now();
      const opened = await openStepConnection(deps, { run, owner, facts, step });
      if (!opened.ok) return opened;
      const collected = await collectSqlStep(
        {
          log,
          allowPrivateHosts: deps.allowPrivateHosts,
          ...(deps.ownDatabase ? { ownDatabase: deps.ownDatabase } : {}),
          ...(deps.limits ? { limits: deps.limits } : {}),
          runId: run.id,
          signal,
          ownerIsAdmin: isAdmin(owner),
          reader,
          budget,
          caps: deps.inputCaps,
          ...(input.onSession ? { onSession: input.onSession } : {}),
        },
        step,
        opened.value.connector,
        { sshHost: opened.value.sshHost },
      );
      if (signal.aborted) return err(cancelled());
      if (!collected.ok) return collected;
      tables.set(step.name, collected.value);
      steps.push({
        cellId: step.cellId,
        name: step.name,
        kind: 'sql',
        rowCount: collected.value.rows.length,
        durationMs: Math.round(performance.now() - t0),
      });
    }
  }

  const inputTypes = await loadInputTypes(deps.db, run);
  const secrets = await loadRunSecrets(deps, {
    workspaceId: run.workspaceId,
    projectId: run.projectId,
    runId: run.id,
    ownerId: run.ownerId,
    permission: project.effective,
  });
  if (!secrets.ok) return secrets;
  if (signal.aborted) return err(cancelled());

  // The JS steps in one session: one isolate for the run, given back whatever happens.
  const session = await deps.kernels.acquire({
    runId: run.id,
    permission: project.effective === 'none' ? 'can_view' : project.effective,
    ...(secrets.value ? { secrets: secrets.value } : {}),
    signal,
  });
  if (!session.ok) return err(signal.aborted ? cancelled() : kernelFailure(session.error));
  let produced: Result<Produced, KernelError | CellRunError>;
  try {
    produced = await runJsSteps({ session: session.value, jsSteps, tables, plan, inputTypes, signal, steps });
  } finally {
    session.value.release();
  }
  if (!produced.ok) return err(signal.aborted ? cancelled() : kernelFailure(produced.error));
  if (signal.aborted) return err(cancelled());

  // The gate again, just before anything leaves: a permission lost while the run ran counts.
  const again = await checkResultsGate(deps.db, { workspaceId: run.workspaceId, owner, connectionIds });
  if (!again.ok) return again;

  const out = produced.value;
  if (out.kind === 'value') {
    const refused = refusedBy(await input.sink.value(JSON.stringify(out.value) ?? 'null'));
    return refused ? err(refused) : ok({ kind: 'value' });
  }
  const truncated = out.table.rows.length > run.rowLimit;
  const rows = truncated ? out.table.rows.slice(0, run.rowLimit) : out.table.rows;
  const noColumns = refusedBy(await input.sink.columns(out.table.columns));
  if (noColumns) return err(noColumns);
  for (let i = 0; i < rows.length; i += OUTPUT_BATCH_ROWS) {
    if (signal.aborted) return err(cancelled());
    const refused = refusedBy(await input.sink.rows(rows.slice(i, i + OUTPUT_BATCH_ROWS)));
    if (refused) return err(refused);
  }
  return ok({ kind: 'table', rowCount: rows.length, truncated });
}

type Produced = { kind: 'table'; table: OutputTable } | { kind: 'value'; value: unknown };

async function runJsSteps(input: {
  session: KernelSession;
  jsSteps: JsStep[];
  tables: Map<string, CollectedTable>;
  plan: RunPlan;
  inputTypes: Map<string, InputType>;
  signal: AbortSignal;
  steps: RunStepOutcome[];
}): Promise<Result<Produced, KernelError | CellRunError>> {
  const { session, signal } = input;
  // Cancel disposes the isolate at once, even mid-cell (the pool closes the session).
  const onAbort = () => session.release();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const jsOut = new Map<string, Produced>();
    const asKernel = new Map<string, unknown>();
    const lookUp = (name: string): { found: boolean; value?: unknown } => {
      if (asKernel.has(name)) return { found: true, value: asKernel.get(name) };
      let value: unknown;
      const sql = input.tables.get(name);
      const js = jsOut.get(name);
      if (sql) value = sqlTableForKernel(sql.columns, sql.rows);
      else if (js) value = js.kind === 'table' ? jsTableForKernel(js.table) : js.value;
      else if (Object.hasOwn(input.plan.inputs, name)) {
        value = inputForKernel(input.plan.inputs[name] ?? null, input.inputTypes.get(name));
      } else return { found: false };
      asKernel.set(name, value);
      return { found: true, value };
    };
    let last: Produced | undefined;
    for (const step of input.jsSteps) {
      if (signal.aborted) return err(cancelled());
      const inputs: Record<string, unknown> = {};
      for (const name of step.uses) {
        const got = lookUp(name);
        if (!got.found) {
          return err({
            code: 'notebook.unknown_reference',
            message: `The JS cell '${step.name}' reads '${name}', which is no cell or input above it`,
            details: { name, cell: step.name },
            kind: 'user',
          });
        }
        inputs[name] = got.value;
      }
      const t0 = performance.now();
      const ran = await session.runCell({ cellId: step.cellId, code: step.source, inputs });
      if (!ran.ok) return err({ ...ran.error, details: { ...ran.error.details, cell: step.name } });
      const produced: Produced =
        ran.value.result.kind === 'table'
          ? { kind: 'table', table: outputTable(ran.value.result) }
          : { kind: 'value', value: ran.value.result.value };
      jsOut.set(step.name, produced);
      input.steps.push({
        cellId: step.cellId,
        name: step.name,
        kind: 'js',
        rowCount: produced.kind === 'table' ? produced.table.rows.length : null,
        durationMs: Math.round(performance.now() - t0),
      });
      last = produced;
    }
    if (!last) return err({ code: 'run.failed', message: 'This run has no JS cell to run', kind: 'system' });
    return ok(last);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** A kernel's typed error as the run records it: its code, message, hint and where in the cell. */
function kernelFailure(error: KernelError | CellRunError): CellRunError {
  const { code, message, hint, details, kind } = error;
  return { code, message, ...(hint ? { hint } : {}), ...(details ? { details } : {}), kind };
}

/**
 * The connector for one SQL step, after JOB-4's checks: the connection is this workspace's, the
 * project imports it (a project connection serves its own project only), and the owner has Can
 * query on it now.
 */
async function openStepConnection(
  deps: CellsDeps,
  input: {
    run: JsRun;
    owner: MemberActor;
    facts: { connections: { id: string }[] };
    step: SqlStep;
  },
): Promise<Result<{ connector: BoundConnector; sshHost: unknown }, CellRunError>> {
  const { run, step } = input;
  const [connection] = await deps.db
    .select()
    .from(connections)
    .where(and(eq(connections.id, step.connectionId), eq(connections.workspaceId, run.workspaceId)));
  if (!connection) {
    return err({
      code: 'run.connection_deleted',
      message: `The data connection of the SQL cell '${step.name}' was deleted`,
      hint: 'Choose another connection for the cell',
      kind: 'user',
    });
  }
  const imported = input.facts.connections.some((c) => c.id === connection.id);
  if (!imported || (connection.scope === 'project' && connection.projectId !== run.projectId)) {
    return err({
      code: 'run.connection_not_in_project',
      message: `The connection '${connection.name}' is not part of this project`,
      hint: 'Add the connection to the project, or choose one of its connections',
      kind: 'user',
    });
  }
  const canQuery = decideCanQuery(input.owner, connectionFacts(connection));
  if (!canQuery.allowed)
    return err({ code: canQuery.reason.code, message: canQuery.reason.message, kind: 'user' });
  const connector = await connectionConfig(deps, connection, { userId: run.ownerId, runId: run.id });
  if (!connector.ok) {
    const { vaultCode, ...error } = connector.error;
    if (vaultCode)
      deps.log.error({ runId: run.id, code: vaultCode }, 'connection credentials could not be unwrapped');
    return err(error);
  }
  return ok({ connector: connector.value, sshHost: connection.settings.sshHost });
}

/** The type of each input cell of the project, by name, to hand its value to a JS cell typed. */
async function loadInputTypes(db: Db, run: JsRun): Promise<Map<string, InputType>> {
  const rows = await db
    .select({ name: cells.name, config: cells.config })
    .from(cells)
    .where(
      and(
        eq(cells.projectId, run.projectId),
        eq(cells.workspaceId, run.workspaceId),
        eq(cells.kind, 'input'),
      ),
    );
  const types = new Map<string, InputType>();
  for (const row of rows) {
    const config = InputConfig.safeParse(row.config);
    if (config.success) types.set(row.name, config.data.type);
  }
  return types;
}

/**
 * An input's value as a JS cell receives it: a number input as a number when a double holds it
 * exactly (else its decimal text), a date as `YYYY-MM-DD` text, a date range as `{ start, end }`,
 * text and select values as text, and null when unset.
 */
function inputForKernel(value: InputValue, type: InputType | undefined): unknown {
  if (value === null || typeof value !== 'string') return value;
  return type === 'number' ? kernelValue('decimal', value) : value;
}
