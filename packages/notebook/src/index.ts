export type { CompiledSql, SqlValue } from './compile-sql';
export { compileSql } from './compile-sql';
export type { DialectOf, GraphCell } from './graph';
export {
  checkMove,
  checkReads,
  downstreamOf,
  inOrder,
  mentionedNames,
  readCells,
  staleAfter,
  upstreamOf,
} from './graph';
export { resolveInputs, resolveInputValue } from './input-values';
export type { JsAnalysis, JsReference } from './js-references';
export { analyzeJs, jsFreeNames } from './js-references';
export type { NotebookSize } from './notebook-size';
export {
  checkNotebookSize,
  MAX_NOTEBOOK_CELLS,
  MAX_NOTEBOOK_SOURCE,
  notebookSize,
} from './notebook-size';
export type { PlanRunInput } from './plan-run';
export { planConnectionIds, planRun } from './plan-run';
export type { RewrittenSource } from './rename-references';
export { renameReferences } from './rename-references';
export type { RangeField, SqlDialect, SqlReference } from './sql-references';
export { sqlReferences } from './sql-references';
