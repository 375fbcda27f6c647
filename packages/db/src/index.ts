export { createDb, type Db, type DbClient, type Schema, type Sql } from './client';
export { type IdKind, newId } from './ids';
export { migrationsFolder, runMigrations } from './migrate';
