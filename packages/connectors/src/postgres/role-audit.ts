import type postgres from 'postgres';

/** What a shared reader role can do that it should not, with the SQL that takes it away. */
export type RoleWarning = {
  code:
    | 'role.superuser'
    | 'role.createrole'
    | 'role.createdb'
    | 'role.bypassrls'
    | 'role.server_files'
    | 'role.can_write'
    | 'role.creates_objects'
    | 'role.creates_temp_tables'
    | 'role.sees_other_sessions'
    | 'role.signals_other_sessions'
    | 'role.large_objects';
  message: string;
  /** Run by a superuser (or the objects' owner) in this database. */
  fix: string;
};

type Facts = {
  role: string;
  database: string;
  superuser: boolean;
  createrole: boolean;
  createdb: boolean;
  bypassrls: boolean;
  server_files: string[];
  writable_schemas: string[];
  owned_schemas: string[];
  create_schemas: string[];
  temp: boolean;
  stats_roles: string[];
  sees_activity: boolean;
  signal_role: boolean;
  signal_functions: string[];
  lo_functions: string[];
};

const SYSTEM_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`;

/**
 * Inspects the role a connection logs in as. Every Quarry user of a connection shares its role, so
 * anything the role can do, each of them can do to the others and to the data: write, see other
 * sessions' SQL (pg_stat_activity shows it to the same role), cancel or terminate them, store large
 * objects. Read-only: it asks the catalogs and changes nothing.
 */
export async function auditReaderRole(sql: postgres.Sql): Promise<RoleWarning[]> {
  const [facts] = await sql.unsafe<Facts[]>(`
    select
      quote_ident(current_user) as role,
      quote_ident(current_database()) as database,
      r.rolsuper as superuser, r.rolcreaterole as createrole, r.rolcreatedb as createdb,
      r.rolbypassrls as bypassrls,
      array(select g from unnest(array['pg_read_server_files', 'pg_write_server_files',
              'pg_execute_server_program']) g where pg_has_role(current_user, g, 'MEMBER')) as server_files,
      array(select distinct quote_ident(n.nspname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'v', 'm', 'f') and ${SYSTEM_SCHEMAS}
              and has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
              and not pg_has_role(current_user, c.relowner, 'MEMBER') order by 1) as writable_schemas,
      array(select distinct quote_ident(n.nspname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'v', 'm', 'f') and ${SYSTEM_SCHEMAS}
              and pg_has_role(current_user, c.relowner, 'MEMBER') order by 1) as owned_schemas,
      array(select quote_ident(n.nspname) from pg_namespace n
            where ${SYSTEM_SCHEMAS} and has_schema_privilege(n.oid, 'CREATE') order by 1) as create_schemas,
      has_database_privilege(current_database(), 'TEMP') as temp,
      array(select g from unnest(array['pg_read_all_stats', 'pg_monitor']) g
            where pg_has_role(current_user, g, 'MEMBER')) as stats_roles,
      has_function_privilege('pg_catalog.pg_stat_get_activity(integer)', 'EXECUTE') as sees_activity,
      pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') as signal_role,
      array(select p.oid::regprocedure::text from pg_proc p
            where p.pronamespace = 'pg_catalog'::regnamespace
              and p.proname in ('pg_cancel_backend', 'pg_terminate_backend')
              and has_function_privilege(p.oid, 'EXECUTE') order by 1) as signal_functions,
      array(select p.oid::regprocedure::text from pg_proc p
            where p.pronamespace = 'pg_catalog'::regnamespace
              and p.proname in ('lo_create', 'lo_creat', 'lo_from_bytea', 'lo_import', 'lo_put', 'lowrite')
              and has_function_privilege(p.oid, 'EXECUTE') order by 1) as lo_functions
    from pg_roles r where r.rolname = current_user`);
  if (!facts) return [];
  const { role } = facts;
  // A superuser can do all of the below and more; fix this first.
  if (facts.superuser) {
    return [
      {
        code: 'role.superuser',
        message:
          'The connection logs in as a superuser: every Quarry user of it can do anything on this server',
        fix: `ALTER ROLE ${role} NOSUPERUSER;`,
      },
    ];
  }
  const warnings: RoleWarning[] = [];
  if (facts.createrole)
    warnings.push({
      code: 'role.createrole',
      message: 'The role can create and alter other roles',
      fix: `ALTER ROLE ${role} NOCREATEROLE;`,
    });
  if (facts.createdb)
    warnings.push({
      code: 'role.createdb',
      message: 'The role can create databases',
      fix: `ALTER ROLE ${role} NOCREATEDB;`,
    });
  if (facts.bypassrls)
    warnings.push({
      code: 'role.bypassrls',
      message: 'The role bypasses row-level security',
      fix: `ALTER ROLE ${role} NOBYPASSRLS;`,
    });
  if (facts.server_files.length)
    warnings.push({
      code: 'role.server_files',
      message: "The role can read or write the server's files or run programs on it",
      fix: facts.server_files.map((g) => `REVOKE ${g} FROM ${role};`).join('\n'),
    });
  if (facts.writable_schemas.length || facts.owned_schemas.length)
    warnings.push({
      code: 'role.can_write',
      message: 'The role can change data: it may insert, update, delete or truncate, or owns tables',
      fix: [
        ...facts.writable_schemas.map(
          (s) => `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA ${s} FROM ${role}, PUBLIC;`,
        ),
        ...facts.owned_schemas.map(
          (s) =>
            `-- Tables in ${s} belong to ${role}: give them to another role (ALTER TABLE … OWNER TO …) and GRANT SELECT back.`,
        ),
      ].join('\n'),
    });
  if (facts.create_schemas.length)
    warnings.push({
      code: 'role.creates_objects',
      message: 'The role can create tables and other objects',
      fix: facts.create_schemas.map((s) => `REVOKE CREATE ON SCHEMA ${s} FROM ${role}, PUBLIC;`).join('\n'),
    });
  if (facts.temp)
    warnings.push({
      code: 'role.creates_temp_tables',
      message: 'The role can create temporary tables',
      fix: `REVOKE TEMPORARY ON DATABASE ${facts.database} FROM ${role}, PUBLIC;`,
    });
  if (facts.stats_roles.length || facts.sees_activity)
    warnings.push({
      code: 'role.sees_other_sessions',
      message:
        "Every Quarry user of this connection can read the others' running SQL (pg_stat_activity shows it to the same role)",
      fix: [
        ...facts.stats_roles.map((g) => `REVOKE ${g} FROM ${role};`),
        `REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) FROM PUBLIC, ${role};`,
        `REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC, ${role};`,
      ].join('\n'),
    });
  if (facts.signal_role || facts.signal_functions.length)
    warnings.push({
      code: 'role.signals_other_sessions',
      message: "Every Quarry user of this connection can cancel or end the others' queries",
      fix: [
        ...(facts.signal_role ? [`REVOKE pg_signal_backend FROM ${role};`] : []),
        ...facts.signal_functions.map(
          (f) => `REVOKE EXECUTE ON FUNCTION pg_catalog.${f} FROM PUBLIC, ${role};`,
        ),
      ].join('\n'),
    });
  if (facts.lo_functions.length)
    warnings.push({
      code: 'role.large_objects',
      message: 'The role can store large objects in the database',
      fix: facts.lo_functions
        .map((f) => `REVOKE EXECUTE ON FUNCTION pg_catalog.${f} FROM PUBLIC, ${role};`)
        .join('\n'),
    });
  return warnings;
}
