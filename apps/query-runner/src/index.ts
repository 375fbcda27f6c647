export { type Env, loadEnv } from './env';
export { executeRun, type RunnerDeps, runTag } from './execute-run';
export { kernelRuntimeProblems } from './kernel-runtime';
export { type RunningWorker, startWorker, type WorkerState } from './worker';
