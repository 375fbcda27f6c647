import {
  err,
  type InputCell,
  type InputValue,
  ok,
  type QuarryError,
  type Result,
  type RunPlan,
  type RunStep,
} from '@quarry/contracts';
import { compileSql } from './compile-sql';
import { checkReads, type DialectOf, type GraphCell, inOrder } from './graph';
import { resolveInputs } from './input-values';

export type PlanRunInput = {
  cells: readonly GraphCell[];
  targetCellId: string;
  /** Input values by name as the run was started with them; left out or null takes the default. */
  inputs: Readonly<Record<string, InputValue>>;
  /** The dialect of each connection the project offers; null for one it does not. */
  dialectOf: DialectOf;
};

/**
 * What a run of one cell executes: the SQL and JS cells the target needs (directly or through
 * others) in notebook order, then the target; SQL compiled to the dialect's placeholders with the
 * input values bound (CONN-4); `inputs` holds the resolved values of the inputs the steps read.
 * Refused: an input or Markdown target (`notebook.not_runnable`), a bad input value
 * (`notebook.invalid_input`), any step's unknown or forward reference or JS syntax error, a SQL
 * step without a connection (`run.no_connection`) or on one the project does not offer
 * (`connections.not_in_project`).
 */
export function planRun(input: PlanRunInput): Result<RunPlan> {
  const cells = inOrder(input.cells);
  const target = cells.find((c) => c.id === input.targetCellId);
  if (!target) {
    return err({
      code: 'not_found.cell',
      message: 'No such cell in this project',
      hint: 'Reload the notebook',
    });
  }
  if (target.kind !== 'sql' && target.kind !== 'js') {
    return err({
      code: 'notebook.not_runnable',
      message:
        target.kind === 'input' ? 'An input is not run: cells read its value' : 'A Markdown cell is not run',
      hint: 'Run a SQL or JS cell',
      details: { cell: target.name },
    });
  }
  const inputCells = cells.filter((c): c is Extract<GraphCell, { kind: 'input' }> => c.kind === 'input');
  const values = resolveInputs(inputCells as Pick<InputCell, 'name' | 'input'>[], input.inputs);
  if (!values.ok) return values;

  // Walk up from the target; every cell on the way must read only what is above it.
  const needed = new Map<string, GraphCell>([[target.id, target]]);
  const queue: GraphCell[] = [target];
  while (queue.length) {
    const cell = queue.pop();
    if (!cell) break;
    const reads = checkReads(cell, cells, input.dialectOf);
    if (!reads.ok) return reads;
    for (const read of reads.value) {
      if (needed.has(read.id)) continue;
      needed.set(read.id, read);
      queue.push(read);
    }
  }

  const steps: RunStep[] = [];
  const inputsRead = new Set<string>();
  for (const cell of cells) {
    if (!needed.has(cell.id)) continue;
    if (cell.kind === 'input') {
      inputsRead.add(cell.name);
      continue;
    }
    if (cell.kind === 'sql') {
      if (!cell.connectionId) return err(noConnection(cell.name));
      const dialect = input.dialectOf(cell.connectionId);
      if (!dialect) return err(notInProject(cell.name));
      const compiled = compileSql(cell.source, dialect, values.value);
      if (!compiled.ok)
        return err({ ...compiled.error, details: { ...compiled.error.details, cell: cell.name } });
      steps.push({
        kind: 'sql',
        cellId: cell.id,
        name: cell.name,
        connectionId: cell.connectionId,
        sql: compiled.value.sql,
        params: compiled.value.params,
      });
    } else if (cell.kind === 'js') {
      const reads = checkReads(cell, cells, input.dialectOf);
      if (!reads.ok) return reads;
      steps.push({
        kind: 'js',
        cellId: cell.id,
        name: cell.name,
        source: cell.source,
        uses: reads.value.map((c) => c.name),
      });
    }
  }
  const planInputs: Record<string, InputValue> = Object.fromEntries(
    [...inputsRead].map((name) => [name, values.value[name] ?? null]),
  );
  return ok({ steps, inputs: planInputs });
}

/** The connections a plan's SQL steps run on, each once, in step order. */
export function planConnectionIds(plan: RunPlan): string[] {
  return [...new Set(plan.steps.flatMap((s) => (s.kind === 'sql' ? [s.connectionId] : [])))];
}

const noConnection = (cell: string): QuarryError => ({
  code: 'run.no_connection',
  message: `The SQL cell '${cell}' has no data connection`,
  hint: 'Choose a data connection for the cell, then run it again',
  details: { cell },
});

const notInProject = (cell: string): QuarryError => ({
  code: 'connections.not_in_project',
  message: `The SQL cell '${cell}' uses a data connection this project does not have`,
  hint: 'Pick one of the project’s connections for the cell',
  details: { cell },
});
