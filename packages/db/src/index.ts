export { createDb, type Db, type DbClient, type Schema, type Sql, type TransactionSql } from './client';
export { errorForLog } from './error-for-log';
export { type IdKind, newId } from './ids';
export { migrationsFolder, runMigrations } from './migrate';
export {
  pipelinedTransaction,
  postgresErrorOf,
  type Queries,
  REFUSED_SQLSTATE,
  TransactionRolledBack,
} from './pipelined-transaction';
