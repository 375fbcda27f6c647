export {
  recordCacheLookup,
  registerKernelPoolMetrics,
  renderRunnerMetrics,
  serveRunnerMetrics,
} from './runner-metrics';
