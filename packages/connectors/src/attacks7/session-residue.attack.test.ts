import { randomBytes } from 'node:crypto';
import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createPostgresSessionPool, type PostgresSessionPool } from '../postgres/session-pool';
import type { PostgresConfig } from '../types';
import { backendOf, idleSessions, runCopy, runOptions } from './pool-attack-helpers';

// An outsider who shares the connection's credentials runs one statement on the COPY path, gets a
// session kept (session-pool.ts), and tries to leave something in it for the next Quarry user's
// run: whatever that next run sees must be what it would see on a session of its own.
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;
let pool: PostgresSessionPool;
const extraRole = `qa7_role_${randomBytes(4).toString('hex')}`;
const otherLogin = `qa7_login_${randomBytes(4).toString('hex')}`;
const otherPassword = randomBytes(12).toString('hex');

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 50 });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  config = { ...warehouse.settings, password: warehouse.reader.password };
  await admin.unsafe(`create role ${extraRole} nologin; grant ${extraRole} to ${warehouse.reader.username}`);
  await admin.unsafe(
    `create role ${otherLogin} login password '${otherPassword}';
     grant connect on database "${warehouse.reader.database}" to ${otherLogin}`,
  );
}, 60_000);

afterEach(async () => {
  await pool?.close();
});

afterAll(async () => {
  // Roles are the server's, not the database's: dropped while `admin` (on the warehouse) still works.
  await admin
    ?.unsafe(
      `revoke connect on database "${warehouse.reader.database}" from ${otherLogin};
       drop role if exists ${extraRole}; drop role if exists ${otherLogin}`,
    )
    .catch(() => {});
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

/** Everything the attacker's run sets session-wide (is_local = false) that shapes a later run. */
const POISON = () => `select
  set_config('session_authorization', '${warehouse.reader.username}', false) as sa,
  set_config('role', '${extraRole}', false) as r,
  set_config('search_path', 'pg_catalog', false) as sp,
  set_config('default_transaction_read_only', 'off', false) as dro,
  set_config('default_transaction_isolation', 'serializable', false) as dti,
  set_config('statement_timeout', '3600000', false) as st,
  set_config('lock_timeout', '1', false) as lt,
  set_config('transaction_timeout', '3600000', false) as tt,
  set_config('idle_session_timeout', '3600000', false) as ist,
  set_config('TimeZone', 'Asia/Tokyo', false) as tz,
  set_config('DateStyle', 'SQL, DMY', false) as ds,
  set_config('IntervalStyle', 'sql_standard', false) as ist2,
  set_config('extra_float_digits', '-15', false) as efd,
  set_config('bytea_output', 'escape', false) as bo,
  set_config('lc_monetary', 'C', false) as lm,
  set_config('lc_time', 'C', false) as ltm,
  set_config('xmlbinary', 'hex', false) as xb,
  set_config('transform_null_equals', 'on', false) as tne,
  set_config('row_security', 'off', false) as rs,
  set_config('standard_conforming_strings', 'off', false) as scs,
  set_config('work_mem', '64kB', false) as wm,
  set_config('application_name', 'left-by-attacker', false) as an,
  set_config('client_min_messages', 'error', false) as cmm,
  pg_advisory_lock(7001) as l1,
  pg_advisory_lock_shared(7002) as l2`;

/** What the victim's run reads: its identity, its settings, and values whose text the settings shape. */
const VICTIM = `select
  current_user::text as cu, session_user::text as su,
  current_setting('search_path') as sp, current_schemas(true)::text as schemas,
  current_setting('default_transaction_read_only') as dro, current_setting('transaction_read_only') as tro,
  current_setting('transaction_isolation') as ti, current_setting('statement_timeout') as st,
  current_setting('lock_timeout') as lt, current_setting('transaction_timeout') as tt,
  current_setting('idle_session_timeout') as ist, current_setting('TimeZone') as tz,
  current_setting('DateStyle') as ds, current_setting('IntervalStyle') as ivs,
  current_setting('extra_float_digits') as efd, current_setting('bytea_output') as bo,
  current_setting('row_security') as rs, current_setting('standard_conforming_strings') as scs,
  current_setting('work_mem') as wm, current_setting('application_name') as an,
  current_setting('client_encoding') as ce, current_setting('client_min_messages') as cmm,
  timestamptz '2024-03-01 12:34:56.789+00' as ts, date '2024-03-01' as d,
  interval '1 day 02:03:04.5' as iv, 0.1::float8 as f, '\\xdeadbeef'::bytea as b, 12.5::money as m,
  to_char(timestamptz '2024-03-01 12:00+00', 'TMMonth TMDy') as month,
  xmlelement(name b, '\\xdead'::bytea)::text as x, (1 = null) is null as null_eq,
  'orders'::regclass::text as rel,
  (select count(*) from pg_prepared_statements)::int as prepared,
  (select count(*) from pg_cursors)::int as cursors,
  (select count(*) from pg_listening_channels())::int as listening,
  pg_my_temp_schema()::int as temp_schema`;

describe('what one run leaves in a kept session for the next', () => {
  it('gives the next run the settings, identity, locks and value text of a session of its own', async () => {
    pool = createPostgresSessionPool();
    const fresh = await runCopy(config, VICTIM, runOptions(undefined, { tag: 'quarry-run:victim' }));
    expect(fresh.last).toMatchObject({ type: 'end', rowCount: 1 });

    const attacker = await runCopy(config, POISON(), runOptions(pool));
    // The attacker's run did take effect in its own transaction.
    expect(attacker.rows[0]).toContain('Asia/Tokyo');
    expect(attacker.last).toMatchObject({ type: 'end', rowCount: 1 });
    await idleSessions(pool, 1);
    // No advisory lock of the attacker's outlives the hand-back, seen from another session.
    const [held] = await admin<{ n: number }[]>`
      select count(*)::int as n from pg_locks where pid = ${attacker.pid} and locktype = 'advisory'`;
    expect(held?.n).toBe(0);

    const victim = await runCopy(config, VICTIM, runOptions(pool, { tag: 'quarry-run:victim' }));
    expect(victim.pid).toBe(attacker.pid);
    expect(victim.last).toMatchObject({ type: 'end', rowCount: 1 });
    expect(victim.rows).toEqual(fresh.rows);
    expect(victim.events.find((e) => e.type === 'columns')).toEqual(
      fresh.events.find((e) => e.type === 'columns'),
    );
    expect(victim.rows[0]?.[0]).toBe(warehouse.reader.username);
  });

  it('hands the next run columns and COPY bytes as a fresh session would, after a run changed TimeZone and client_encoding', async () => {
    pool = createPostgresSessionPool();
    const query = `select timestamptz '2024-01-01 00:00+00' as t, 'é€' as s, now() - now() as z`;
    const fresh = await runCopy(config, query, runOptions(undefined));
    const attacker = await runCopy(
      config,
      `select set_config('TimeZone', 'America/St_Johns', false), set_config('client_encoding', 'LATIN1', false)`,
      runOptions(pool),
    );
    expect(attacker.last).toMatchObject({ type: 'end' });
    await idleSessions(pool, 1);
    const victim = await runCopy(config, query, runOptions(pool));
    expect(victim.pid).toBe(attacker.pid);
    const bytes = (r: typeof victim) =>
      Buffer.concat(r.events.flatMap((e) => (e.type === 'copy' ? [e.text] : []))).toString('hex');
    expect(bytes(victim)).toBe(bytes(fresh));
    expect(victim.events.find((e) => e.type === 'columns')).toEqual(
      fresh.events.find((e) => e.type === 'columns'),
    );
  });

  it('runs the next query with its own bound parameters, never a value of the run before', async () => {
    pool = createPostgresSessionPool();
    const first = await runCopy(config, 'select $1::text as a, $2::int as b', {
      ...runOptions(pool),
      params: ['secret of run one', 41],
    });
    expect(first.rows).toEqual([['secret of run one', 41]]);
    await idleSessions(pool, 1);
    const second = await runCopy(config, 'select $1::text as a, $2::int as b', {
      ...runOptions(pool),
      params: [null, null],
    });
    expect(second.pid).toBe(first.pid);
    expect(second.rows).toEqual([[null, null]]);
  });

  // Was a hole: `discard all` does not reset the session's random() seed, so a run that called
  // setseed() fixed every later random() on that backend for whichever user's run got it next, and
  // could read back what the victim drew. The pool now seeds random() afresh at each reset.
  it('never lets a run fix the random() sequence of the next user’s run (setseed survives discard all)', async () => {
    pool = createPostgresSessionPool();
    // What a session seeded with 0.42 draws: computed on a session of its own.
    const seeded = await runCopy(
      config,
      'select setseed(0.42)::text as s, random() as a, random() as b',
      runOptions(undefined),
    );
    const [, firstDraw, secondDraw] = seeded.rows[0] ?? [];

    const attacker = await runCopy(config, 'select setseed(0.42)', runOptions(pool));
    expect(attacker.last).toMatchObject({ type: 'end' });
    await idleSessions(pool, 1);
    const victim = await runCopy(config, 'select random() as r', runOptions(pool));
    expect(victim.pid).toBe(attacker.pid);
    const drawn = victim.rows[0]?.[0];
    // The attacker's next run on the session reads the draw after the victim's: it learns how many
    // values the victim took, and so their values.
    await idleSessions(pool, 1);
    const after = await runCopy(config, 'select random() as r', runOptions(pool));
    expect(after.pid).toBe(attacker.pid);

    // A session of its own draws from an unpredictable seed.
    expect({ victimDrew: drawn, attackerReadNext: after.rows[0]?.[0] }).not.toEqual({
      victimDrew: firstDraw,
      attackerReadNext: secondDraw,
    });
  });

  // KNOWN RESIDUE (it.fails, accepted and documented): a custom setting (GUC placeholder) a run
  // created stays defined after `rollback; discard all`, with the empty string as its value: the
  // next run reads '' where a fresh session reads NULL, so it can probe which setting names earlier
  // runs on the connection used (never their values). PostgreSQL lists placeholders nowhere (not in
  // pg_settings), so the pool cannot tell such a session apart. Sessions that pass a reader's
  // identity, the one place Quarry relies on settings, are never kept.
  it.fails('answers NULL for a custom setting an earlier run set, as a fresh session does', async () => {
    pool = createPostgresSessionPool();
    const probe = `select current_setting('app.tenant_id', true) is null as tenant_unset,
                          coalesce(current_setting('app.tenant_id', true), '<null>') as tenant,
                          current_setting('quarry.p1', true) is null as p1_unset`;
    const fresh = await runCopy(config, probe, runOptions(undefined));
    expect(fresh.rows).toEqual([[true, '<null>', true]]);

    const earlier = await runCopy(
      config,
      `select set_config('app.tenant_id', 'tenant-42', false), $1::text`,
      {
        ...runOptions(pool),
        params: ['x'],
      },
    );
    expect(earlier.last).toMatchObject({ type: 'end' });
    await idleSessions(pool, 1);
    const next = await runCopy(config, probe, runOptions(pool));
    expect(next.pid).toBe(earlier.pid);
    expect(next.rows).toEqual(fresh.rows);
  });

  // Was a hole: a dblink connection is backend state that neither `rollback` nor `discard all`
  // ends, so a run that opened a named one (here with another login's password) left it open in
  // the kept session for the next user's run to query through. Sessions of a database with such an
  // extension (dblink, postgres_fdw, the untrusted procedural languages) are no longer kept.
  it('leaves no dblink connection an earlier run opened (the next run could query through it as its login)', async () => {
    await admin.unsafe('create extension if not exists dblink with schema public');
    onTestFinished(async () => {
      await admin.unsafe('drop extension if exists dblink');
    });
    pool = createPostgresSessionPool();
    const listing = 'select public.dblink_get_connections()::text as links';
    const fresh = await runCopy(config, listing, runOptions(undefined));
    expect(fresh.rows).toEqual([[null]]);

    const connstr = `host=${config.host} port=${config.port} dbname=${config.database} user=${otherLogin} password=${otherPassword}`;
    const victim = await runCopy(config, "select public.dblink_connect('victim_link', $1::text) as ok", {
      ...runOptions(pool),
      params: [connstr],
    });
    expect(victim.rows).toEqual([['OK']]);
    // Not kept: the session that holds the link is ended.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.stats().idle).toBe(0);
    const deadline = Date.now() + 5_000;
    while ((await backendOf(admin, victim.pid)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await backendOf(admin, victim.pid)).toBeNull();

    const links = await runCopy(config, listing, runOptions(pool));
    expect(links.pid).not.toBe(victim.pid);
    const through = await runCopy(
      config,
      "select u from public.dblink('victim_link', 'select current_user::text') as t(u text)",
      runOptions(pool),
    );
    // A fresh session has no link: listing answers NULL, and querying through the name is refused.
    expect({
      links: links.rows,
      through: through.last?.type === 'error' ? 'refused' : through.rows,
    }).toEqual({ links: [[null]], through: 'refused' });
  });
});
