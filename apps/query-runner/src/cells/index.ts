export { type CellRunError, CONNECT_PHASE_CODES } from './cell-errors';
export {
  type CellsDeps,
  executeJsPlan,
  type JsPlanInput,
  type JsPlanOutcome,
  type JsPlanResult,
  type JsRun,
  jsPlanOf,
  type ResultSink,
} from './execute-js-plan';
export { createRunnerKernels, type InputCaps, KernelEnv, type RunnerKernels } from './kernel-env';
export { kernelValue, outputTable, sqlTableForKernel } from './typed-values';
