export {
  recordCacheLookup,
  recordSharedQueryAttach,
  registerKernelPoolMetrics,
  renderRunnerMetrics,
  serveRunnerMetrics,
} from './runner-metrics';
