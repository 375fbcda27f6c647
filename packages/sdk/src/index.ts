export {
  createQuarryClient,
  type QuarryClient,
  QuarryClientError,
  type QuarryClientOptions,
  type QueryResult,
} from './client';
