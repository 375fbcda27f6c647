export {
  createDb,
  type Db,
  type DbClient,
  type Queries,
  type Schema,
  type Sql,
  type TransactionSql,
} from './client';
export { errorForLog } from './error-for-log';
export { type IdKind, newId } from './ids';
export { migrationsFolder, runMigrations } from './migrate';
export {
  pipelinedTransaction,
  postgresErrorOf,
  REFUSED_SQLSTATE,
  TransactionRolledBack,
} from './pipelined-transaction';
export { preparedQuery } from './prepared-query';
