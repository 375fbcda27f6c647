import postgres from 'postgres';

export type AdvisoryGate = {
  /** A SQL expression that waits until the gate opens (`select … from (select <sql>) g`). */
  sql: string;
  /** Its lock key, for pg_locks. */
  key: number;
  /** Lets every statement waiting at the gate go on; later ones pass at once. Idempotent. */
  open: () => Promise<void>;
};

/**
 * A gate on a PostgreSQL server that a test holds: a statement that evaluates `gate.sql` waits on
 * the server until the test opens it, and shows as waiting (wait_event 'advisory') in
 * pg_stat_activity meanwhile. Tests use it where they need a query to be still running when they
 * look, in place of a `pg_sleep` that a loaded machine can outlast. The wait takes a shared
 * transaction-level lock, which a read-only run may take and which ends with its transaction.
 */
export async function holdAdvisoryGate(adminUrl: string): Promise<AdvisoryGate> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const key = Math.floor(Math.random() * 2 ** 31);
  await sql`select pg_advisory_lock(${key})`;
  let opened: Promise<void> | null = null;
  return {
    sql: `pg_advisory_xact_lock_shared(${key})`,
    key,
    open: () => {
      // Closing the holder's session releases its lock, whatever state it is in.
      opened ??= sql.end({ timeout: 5 });
      return opened;
    },
  };
}

/** How many sessions wait at `gate` on the server now (of those whose application_name matches `app`, if given). */
export async function waitingAt(admin: postgres.Sql, gate: AdvisoryGate, app?: string): Promise<number> {
  const [row] = await admin<{ n: number }[]>`
    select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and not l.granted and l.objid = ${gate.key}
      and (${app ?? null}::text is null or a.application_name = ${app ?? null})`;
  return row?.n ?? 0;
}
