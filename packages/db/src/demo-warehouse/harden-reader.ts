import postgres from 'postgres';

/**
 * Caps on one reader query. temp_file_limit is a superuser-context setting: the reader can neither
 * `set` it nor reset its role default. work_mem is user-settable (`set_config('work_mem', …)`
 * raises it), so its role default only sets the usual size of a sort or hash before it spills.
 */
export const DEMO_READER_LIMITS = { tempFileLimit: '256MB', workMem: '32MB' } as const;

/**
 * Functions of pg_catalog that show or signal other sessions, or store large objects. All readers
 * of one connection share one role, and PostgreSQL shows a session's SQL (and lets it be cancelled
 * or terminated) to any session of the same role: revoking EXECUTE from PUBLIC in this database is
 * what keeps one Quarry user from reading or killing another's query. Quarry's runner cancels its
 * own queries with the protocol's cancel request (postgres.js `query.cancel()`), which needs none
 * of these. Matched by name so every overload, on every PostgreSQL version, is covered.
 */
const SESSION_FUNCTIONS = `
  p.proname in (
    'pg_stat_get_activity', 'pg_stat_get_progress_info', 'pg_lock_status', 'pg_blocking_pids',
    'pg_safe_snapshot_blocking_pids', 'pg_isolation_test_session_is_blocked',
    'pg_cancel_backend', 'pg_terminate_backend', 'pg_log_backend_memory_contexts'
  )
  or p.proname like 'pg\\_stat\\_get\\_backend\\_%'`;
const LARGE_OBJECT_FUNCTIONS = `p.proname like 'lo\\_%' or p.proname in ('loread', 'lowrite')`;

/** Revokes from PUBLIC, in the database `sql` is connected to, the functions above. */
const REVOKE_SESSION_FUNCTIONS = `
  do $$
  declare f regprocedure;
  begin
    for f in
      select p.oid::regprocedure from pg_catalog.pg_proc p
      where p.pronamespace = 'pg_catalog'::regnamespace
        and ((${SESSION_FUNCTIONS}) or (${LARGE_OBJECT_FUNCTIONS}))
    loop
      execute format('revoke execute on function %s from public', f);
    end loop;
    -- Belt and braces: the views over those functions answer "permission denied" directly.
    revoke select on pg_catalog.pg_stat_activity, pg_catalog.pg_locks from public;
  end
  $$`;

/**
 * Run as the warehouse's owner (a superuser) inside the demo warehouse database. Idempotent, so
 * every `npm start` re-applies it to an existing warehouse. Revokes act on this database only:
 * pg_proc and database ACLs are per database.
 */
export async function hardenDemoReader(sql: postgres.Sql, role: string): Promise<void> {
  await sql.unsafe(`
    do $$
    begin
      -- Nobody but the reader connects, and no role gets temporary tables (a place to write).
      execute format('revoke all on database %I from public', current_database());
      execute format('grant connect on database %I to ${role}', current_database());
      revoke create on schema public from public;
    end
    $$`);
  await sql.unsafe(REVOKE_SESSION_FUNCTIONS);
  await sql.unsafe(`alter role ${role} set temp_file_limit = '${DEMO_READER_LIMITS.tempFileLimit}'`);
  await sql.unsafe(`alter role ${role} set work_mem = '${DEMO_READER_LIMITS.workMem}'`);
}

/**
 * pg_stat_activity is cluster-wide: a reader that can connect to another database of the server
 * (PostgreSQL grants PUBLIC CONNECT on `postgres` and `template1`) reads every session of its role
 * there. Returns those databases where it still could; hardens the ones named in `harden` first
 * (`'all'` on a server Quarry owns, such as the embedded one).
 */
export async function hardenOtherDatabases(
  adminUrl: string,
  role: string,
  harden: readonly string[] | 'all',
): Promise<string[]> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let reachable: string[];
  try {
    const rows = await admin<{ name: string }[]>`
      select datname as name from pg_database
      where datallowconn and datname <> current_database()
        and has_database_privilege(${role}, datname, 'CONNECT')
      order by 1`;
    reachable = rows.map((r) => r.name);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const exposed: string[] = [];
  for (const name of reachable) {
    const url = new URL(adminUrl);
    url.pathname = `/${encodeURIComponent(name)}`;
    const other = postgres(url.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      if (harden === 'all' || harden.includes(name)) await other.unsafe(REVOKE_SESSION_FUNCTIONS);
      const [row] = await other<{ open: boolean }[]>`
        select has_function_privilege(${role}, 'pg_catalog.pg_stat_get_activity(integer)', 'EXECUTE') as open`;
      if (row?.open) exposed.push(name);
    } catch (error) {
      // A database dropped meanwhile (parallel tests do) is no longer a way in, however the drop
      // showed (unknown database, a terminated or reset connection); anything else is.
      if (await stillExists(adminUrl, name)) throw error;
    } finally {
      await other.end({ timeout: 5 });
    }
  }
  return exposed;
}

async function stillExists(adminUrl: string, name: string): Promise<boolean> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${name}`;
    return rows.length > 0;
  } finally {
    await admin.end({ timeout: 5 });
  }
}
