import { createHmac, randomBytes } from 'node:crypto';
import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionQuery } from '../../registry/connector';
import type { PostgresConfig, StreamEvent } from '../../types';
import { connectPostgres, streamPostgres } from '../stream';
import { auditIdentityRoles } from './audit';
import {
  buildClaims,
  generateIdentityKey,
  identityKeyId,
  type ReaderClaims,
  type ReaderIdentity,
  SessionFacts,
  signClaims,
} from './claims';
import { identityInstallSql, identityKeyRevokeSql, identityKeySql } from './install-sql';
import { IdentityError, identityPrepare, SESSION_FACTS_SQL, SET_CLAIMS_SQL } from './prepare';
import { samplePolicySql } from './sample-policy';
import { identitySelfCheck } from './self-check';

const suffix = randomBytes(4).toString('hex');
const SCHEMA = 'quarry_identity';
const OWNER = `qi_owner_${suffix}`;
/** A role the login role may `SET ROLE` to, granted the identity functions like a reader. */
const ALT_READER = `qi_alt_${suffix}`;
/** A role the login role may `SET ROLE` to, with SELECT on the table but no identity functions. */
const ALT_PLAIN = `qi_plain_${suffix}`;
/** Owns the objects a reader could have created before (outside Quarry) to shadow others. */
const EVIL = `qi_evil_${suffix}`;
/** A role with BYPASSRLS, granted to the login role only inside the audit's test. */
const BYPASS = `qi_bypass_${suffix}`;
/** The Quarry connection's login role. */
const LOGIN = `qi_login_${suffix}`;
const LOGIN_PASSWORD = randomBytes(18).toString('hex');
const KEY = generateIdentityKey();
const WRONG_KEY = generateIdentityKey();
const WORKSPACE = 'wsp_identity_test';

const alice: ReaderIdentity = {
  userId: 'usr_alice',
  email: 'alice@example.com',
  workspaceId: WORKSPACE,
  groups: [{ id: 'grp_sales', name: 'Sales' }],
};
const bob: ReaderIdentity = {
  userId: 'usr_bob',
  email: 'bob@example.com',
  workspaceId: WORKSPACE,
  groups: [{ id: 'grp_ops', name: 'Ops' }],
};
/** Rows by owner, and two by group: carol's row 7 is shared with Sales, row 8 with Ops. */
const ALICE_ROWS = [1, 2, 3, 7];
const BOB_ROWS = [4, 5, 8];

let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;
let readerRole: string;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 10 });
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  // A login role of this file's own, like the demo reader (no BYPASSRLS, owns nothing), but not the
  // shared one, whose password parallel test processes on the same server reset.
  readerRole = LOGIN;
  config = { ...warehouse.settings, username: LOGIN, password: LOGIN_PASSWORD };
  await admin.unsafe(`
    create role ${LOGIN} login password '${LOGIN_PASSWORD}';
    grant connect on database "${warehouse.reader.database}" to ${LOGIN};
    create role ${ALT_READER} nologin;
    create role ${ALT_PLAIN} nologin;
    create role ${EVIL} nologin;
    grant ${ALT_READER}, ${ALT_PLAIN} to ${readerRole};
    create table public.identity_notes (id int primary key, owner_id text not null, group_id text, note text);
    insert into public.identity_notes values
      (1, 'usr_alice', null, 'a1'), (2, 'usr_alice', null, 'a2'), (3, 'usr_alice', null, 'a3'),
      (4, 'usr_bob', null, 'b1'), (5, 'usr_bob', null, 'b2'),
      (6, 'usr_carol', null, 'c1'), (7, 'usr_carol', 'grp_sales', 'sales'), (8, 'usr_carol', 'grp_ops', 'ops');
    grant select on public.identity_notes to ${readerRole}, ${ALT_READER}, ${ALT_PLAIN};
  `);
  await admin.unsafe(
    identityInstallSql({ schema: SCHEMA, readerRoles: [readerRole, ALT_READER], ownerRole: OWNER }),
  );
  await admin.unsafe(identityKeySql({ schema: SCHEMA, key: KEY, workspaceId: WORKSPACE }));
  await admin.unsafe(
    samplePolicySql({
      schema: SCHEMA,
      table: 'public.identity_notes',
      userColumn: 'owner_id',
      groupColumn: 'group_id',
    }),
  );
  await createShadowingObjects();
});

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  if (!warehouse) return;
  await warehouse.drop();
  // Roles are cluster-wide: they go once the database that held their objects and grants is gone.
  const serverUrl = new URL(warehouse.adminUrl);
  serverUrl.pathname = '/postgres';
  const server = postgres(serverUrl.toString(), { max: 1, onnotice: () => {} });
  try {
    for (const role of [LOGIN, ALT_READER, ALT_PLAIN, EVIL, BYPASS, OWNER, `qi_member_${suffix}`]) {
      await server.unsafe(`drop role if exists ${role}`);
    }
  } finally {
    await server.end({ timeout: 5 });
  }
});

/**
 * Functions and operators a reader could have created earlier in a schema of its own (a run is
 * READ ONLY and creates nothing): each answers what a forger would want, if anything of the
 * verifier ever resolved names through the caller's search_path.
 */
async function createShadowingObjects() {
  const bobClaims = JSON.stringify({
    sub: 'usr_bob',
    ws: WORKSPACE,
    groups: [{ id: 'grp_ops', name: 'Ops' }],
  });
  await admin.unsafe(`
    create schema ${EVIL} authorization ${EVIL};
    grant usage on schema ${EVIL} to public;
    set role ${EVIL};
    create function ${EVIL}.sha256(bytea) returns bytea language sql as $$ select pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex') $$;
    create function ${EVIL}.hmac_sha256(bytea, bytea) returns bytea language sql as $$ select pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex') $$;
    create function ${EVIL}.pg_backend_pid() returns int language sql as $$ select 1 $$;
    create function ${EVIL}.current_setting(text, boolean) returns text language sql as $$ select 'v1.0000000000000000.e30=.' || pg_catalog.repeat('0', 64) $$;
    create function ${EVIL}.current_reader() returns jsonb language sql as $$ select '${bobClaims}'::jsonb $$;
    create function ${EVIL}.reader_id() returns text language sql as $$ select 'usr_bob' $$;
    create function ${EVIL}.always(bytea, bytea) returns boolean language sql as $$ select true $$;
    create function ${EVIL}.always_text(text, text) returns boolean language sql as $$ select true $$;
    create operator ${EVIL}.= (leftarg = bytea, rightarg = bytea, function = ${EVIL}.always);
    create operator ${EVIL}.= (leftarg = text, rightarg = text, function = ${EVIL}.always_text);
    create operator ${EVIL}.~ (leftarg = text, rightarg = text, function = ${EVIL}.always_text);
    create function ${EVIL}.field(jsonb, text) returns text language sql as $$ select 'usr_bob' $$;
    create operator ${EVIL}.->> (leftarg = jsonb, rightarg = text, function = ${EVIL}.field);
    create function ${EVIL}.set_claims(token text) returns text language sql
      as $$ select pg_catalog.set_config('quarry.claims', token, true) $$;
    create function ${EVIL}.set_claims_as_owner(token text) returns text language sql security definer
      as $$ select pg_catalog.set_config('quarry.claims', token, true) $$;
    reset role;
  `);
}

type RunOptions = { key?: string; runId?: string; ttlMs?: number; schema?: string };

/**
 * A run's session as the stream opens it (its connection, READ ONLY transaction, the identity
 * step, then the cell), with the cell free to run any number of statements: more than a cell can
 * (one statement over the extended protocol), so what holds here holds for cells too.
 */
async function inRun<T>(
  reader: ReaderIdentity | null,
  cell: (q: SessionQuery, sql: postgres.Sql) => Promise<T>,
  options: RunOptions = {},
): Promise<T> {
  const sql = connectPostgres(config, { timeoutMs: 10_000, allow: LOOPBACK });
  const q: SessionQuery = (text, params) =>
    sql.unsafe(text, params as (string | number | boolean | null)[]) as unknown as Promise<
      Record<string, unknown>[]
    >;
  try {
    await sql.unsafe('start transaction read only');
    if (reader) await identityPrepare(prepareInput(reader, options))(q);
    return await cell(q, sql);
  } finally {
    await sql.end({ timeout: 2 });
  }
}

const prepareInput = (reader: ReaderIdentity, options: RunOptions) => ({
  key: options.key ?? KEY,
  schema: options.schema ?? SCHEMA,
  reader,
  runId: options.runId ?? `run_${randomBytes(4).toString('hex')}`,
  ttlMs: options.ttlMs ?? 60_000,
});

const visible = async (q: SessionQuery): Promise<number[]> =>
  (await q('select id from public.identity_notes order by id', [])).map((r) => Number(r.id));

const verifiedSub = async (q: SessionQuery) =>
  (await q(`select ${SCHEMA}.reader_id() as sub`, []))[0]?.sub ?? null;

const currentToken = async (q: SessionQuery) =>
  String((await q(`select pg_catalog.current_setting('quarry.claims') as t`, []))[0]?.t);

const setToken = (q: SessionQuery, token: string) => q(SET_CLAIMS_SQL, [token]);

/** Claims naming `reader`, bound to the session `q` runs on: all a forger lacks is the key. */
async function claimsForThisSession(q: SessionQuery, reader: ReaderIdentity, ttlMs = 60_000) {
  const [facts] = await q(SESSION_FACTS_SQL, []);
  return buildClaims({ reader, runId: 'run_forged', session: SessionFacts.parse(facts), ttlMs });
}

const payloadOf = (claims: ReaderClaims) => Buffer.from(JSON.stringify(claims)).toString('base64');

/** Runs a cell through the stream itself, as the runner does. */
async function cell(
  reader: ReaderIdentity | null,
  text: string,
  params: (string | number | boolean | null)[] = [],
): Promise<{ ids: number[]; error: string | null; rows: unknown[][] }> {
  const events: StreamEvent[] = [];
  for await (const event of streamPostgres(config, text, params, {
    rowLimit: 1000,
    timeoutMs: 10_000,
    allow: LOOPBACK,
    ...(reader ? { prepare: identityPrepare(prepareInput(reader, {})) } : {}),
  })) {
    events.push(event);
  }
  const rows = events.flatMap((e) => (e.type === 'rows' ? e.rows : []));
  const last = events.at(-1);
  return {
    rows,
    ids: rows.map((r) => Number(r[0])),
    error: last?.type === 'error' ? `${last.error.code}: ${last.error.message}` : null,
  };
}

/** A forgery may fail (an error) or show the reader's own rows or fewer, never anyone else's. */
function expectNoMoreThan(ids: number[], own: number[]) {
  for (const id of ids) expect(own).toContain(id);
}

describe('identity passthrough with a real row-level security policy', () => {
  it('runs as a reader the policy binds: neither the table owner nor BYPASSRLS', async () => {
    const [facts] = await admin<{ bypass: boolean; owner: string; rls: boolean; forced: boolean }[]>`
      select r.rolbypassrls as bypass, pg_get_userbyid(c.relowner) as owner,
             c.relrowsecurity as rls, c.relforcerowsecurity as forced
      from pg_class c, pg_roles r
      where c.oid = 'public.identity_notes'::regclass and r.rolname = ${readerRole}`;
    expect(facts).toEqual({ bypass: false, owner: 'postgres', rls: true, forced: true });
  });

  it('shows two readers of the same workspace their own rows and their groups’ rows, each', async () => {
    const forAlice = await cell(alice, 'select id, note from public.identity_notes order by id');
    const forBob = await cell(bob, 'select id, note from public.identity_notes order by id');

    expect(forAlice).toMatchObject({ ids: ALICE_ROWS, error: null });
    expect(forBob).toMatchObject({ ids: BOB_ROWS, error: null });
  });

  it('lets a policy read who reads: user, email, workspace, run and groups', async () => {
    const { rows, error } = await cell(
      alice,
      `select ${SCHEMA}.reader_id(), ${SCHEMA}.reader_email(), ${SCHEMA}.reader_workspace_id(),
              ${SCHEMA}.reader_run_id() like 'run_%',
              pg_catalog.array_to_string(${SCHEMA}.reader_group_ids(), ','),
              pg_catalog.array_to_string(${SCHEMA}.reader_groups(), ',')`,
    );

    expect(error).toBeNull();
    expect(rows).toEqual([['usr_alice', 'alice@example.com', WORKSPACE, true, 'grp_sales', 'Sales']]);
  });

  it('shows no row to a run that passes no identity', async () => {
    expect(await cell(null, 'select id from public.identity_notes')).toMatchObject({ ids: [], error: null });
  });

  it('verifies the claims once per query, not once per row (an init plan)', async () => {
    const plan = await inRun(alice, async (q) =>
      (await q('explain select id from public.identity_notes', []))
        .map((r) => String(r['QUERY PLAN']))
        .join('\n'),
    );

    expect(plan).toMatch(/InitPlan/);
  });

  it('shows the reader’s rows in a parallel plan too (the verifier runs in the leader)', async () => {
    const { plan, ids } = await inRun(alice, async (q) => {
      await q(
        // Renamed debug_parallel_query in PostgreSQL 16.
        `select set_config(case when current_setting('server_version_num')::int >= 160000
                        then 'debug_parallel_query' else 'force_parallel_mode' end, 'on', true),
                      set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true),
                      set_config('min_parallel_table_scan_size', '0', true)`,
        [],
      );
      const explained = await q('explain select id from public.identity_notes order by id', []);
      return { plan: explained.map((r) => String(r['QUERY PLAN'])).join('\n'), ids: await visible(q) };
    });

    expect(plan).toMatch(/Gather/);
    expect(ids).toEqual(ALICE_ROWS);
  });
});

describe('a cell that forges the identity sees no more than its reader’s rows', () => {
  it('sets the claims to another reader’s, unsigned', async () => {
    const outcome = await inRun(alice, async (q) => {
      const claims = await claimsForThisSession(q, bob);
      const attempts = [
        `v1.${identityKeyId(KEY)}.${payloadOf(claims)}.${'0'.repeat(64)}`,
        `v1.${identityKeyId(KEY)}.${payloadOf(claims)}.`,
        `v1.${identityKeyId(KEY)}.${payloadOf(claims)}`,
        JSON.stringify(claims),
        'usr_bob',
      ];
      const seen: { ids: number[]; sub: unknown }[] = [];
      for (const token of attempts) {
        await setToken(q, token);
        seen.push({ ids: await visible(q), sub: await verifiedSub(q) });
      }
      return seen;
    });

    for (const seen of outcome) expect(seen).toEqual({ ids: [], sub: null });
  });

  it('signs another reader’s claims with a key of its own, under its own or the real key id', async () => {
    const outcome = await inRun(alice, async (q) => {
      const claims = await claimsForThisSession(q, bob);
      const ownKeyToken = signClaims(claims, WRONG_KEY);
      const signed = `v1.${identityKeyId(KEY)}.${payloadOf(claims)}`;
      const realKidToken = `${signed}.${createHmac('sha256', Buffer.from(WRONG_KEY, 'hex')).update(signed).digest('hex')}`;
      const seen: { ids: number[]; sub: unknown }[] = [];
      for (const token of [ownKeyToken, realKidToken]) {
        await setToken(q, token);
        seen.push({ ids: await visible(q), sub: await verifiedSub(q) });
      }
      return seen;
    });

    for (const seen of outcome) expect(seen).toEqual({ ids: [], sub: null });
  });

  it('edits its own genuine claims after signing (another user, other groups, a later expiry)', async () => {
    const outcome = await inRun(alice, async (q) => {
      const [version, kid, payload, mac] = (await currentToken(q)).split('.');
      const genuine = JSON.parse(Buffer.from(String(payload), 'base64').toString()) as ReaderClaims;
      const edits: Partial<ReaderClaims>[] = [
        { sub: 'usr_bob' },
        { groups: [{ id: 'grp_ops', name: 'Ops' }] },
        { exp: genuine.exp + 3600 },
      ];
      const seen: { ids: number[]; sub: unknown }[] = [];
      for (const edit of edits) {
        const edited = Buffer.from(JSON.stringify({ ...genuine, ...edit })).toString('base64');
        await setToken(q, `${version}.${kid}.${edited}.${mac}`);
        seen.push({ ids: await visible(q), sub: await verifiedSub(q) });
      }
      return seen;
    });

    for (const seen of outcome) expect(seen).toEqual({ ids: [], sub: null });
  });

  it('replays another reader’s genuine claims from an earlier run, after that run ended', async () => {
    const bobsToken = await inRun(bob, async (q) => {
      expect(await visible(q)).toEqual(BOB_ROWS);
      return currentToken(q);
    });

    const replayed = await inRun(alice, async (q) => {
      await setToken(q, bobsToken);
      return { ids: await visible(q), sub: await verifiedSub(q) };
    });
    // The same replay from a cell, the captured claims written into its SQL as a bound value.
    const fromCell = await cell(
      alice,
      `select n.id from (select pg_catalog.set_config('quarry.claims', $1, true)) f, public.identity_notes n order by 1`,
      [bobsToken],
    );

    expect(replayed).toEqual({ ids: [], sub: null });
    expectNoMoreThan(fromCell.ids, ALICE_ROWS);
  });

  it('replays another reader’s genuine claims from another session while that run is still going', async () => {
    const outcome = await inRun(bob, async (bobQ) => {
      const bobsToken = await currentToken(bobQ);
      const replayed = await inRun(alice, async (q) => {
        await setToken(q, bobsToken);
        return { ids: await visible(q), sub: await verifiedSub(q) };
      });
      return { replayed, bobStill: await visible(bobQ) };
    });

    expect(outcome.replayed).toEqual({ ids: [], sub: null });
    expect(outcome.bobStill).toEqual(BOB_ROWS);
  });

  it('replays another reader’s claims in a later transaction of the same backend (as a pooler reuses one)', async () => {
    const outcome = await inRun(bob, async (q) => {
      const bobsToken = await currentToken(q);
      await q('rollback', []);
      await q('start transaction read only', []);
      await setToken(q, bobsToken);
      return { ids: await visible(q), sub: await verifiedSub(q) };
    });

    expect(outcome).toEqual({ ids: [], sub: null });
  });

  it('sets expired claims, or claims for another workspace, each signed with the real key', async () => {
    const outcome = await inRun(null, async (q) => {
      const expired = await claimsForThisSession(q, alice, -1000);
      const otherWorkspace = await claimsForThisSession(q, { ...bob, workspaceId: 'wsp_other' });
      const seen: { ids: number[]; sub: unknown }[] = [];
      for (const claims of [expired, otherWorkspace]) {
        await setToken(q, signClaims(claims, KEY));
        seen.push({ ids: await visible(q), sub: await verifiedSub(q) });
      }
      // The control: the same construction, valid, verifies (so the refusals above are the checks').
      await setToken(q, signClaims(await claimsForThisSession(q, bob), KEY));
      seen.push({ ids: await visible(q), sub: await verifiedSub(q) });
      return seen;
    });

    expect(outcome).toEqual([
      { ids: [], sub: null },
      { ids: [], sub: null },
      { ids: BOB_ROWS, sub: 'usr_bob' },
    ]);
  });

  it('switches to every role its login role may take, and back with RESET ROLE', async () => {
    const outcome = await inRun(alice, async (q) => {
      await q(`set role ${ALT_READER}`, []);
      const asAltReader = await visible(q);
      await q(`set role ${ALT_PLAIN}`, []);
      const asPlain = await q('savepoint s', [])
        .then(() => visible(q))
        .catch(async (error: { code?: string }) => {
          await q('rollback to savepoint s', []);
          return error.code ?? 'error';
        });
      await q('reset role', []);
      const afterReset = await visible(q);
      await q(`set role ${ALT_READER}`, []);
      await setToken(q, signClaims(await claimsForThisSession(q, bob), WRONG_KEY));
      const forgedAsAlt = await visible(q);
      return { asAltReader, asPlain, afterReset, forgedAsAlt };
    });

    expect(outcome).toEqual({
      asAltReader: ALICE_ROWS,
      // No EXECUTE on the verifier: the policy cannot run, the query is refused.
      asPlain: '42501',
      afterReset: ALICE_ROWS,
      forgedAsAlt: [],
    });
  });

  it('switches roles from inside a cell’s one statement (set_config on role, in a CTE)', async () => {
    for (const role of [ALT_READER, ALT_PLAIN, OWNER, 'none']) {
      const { ids } = await cell(
        alice,
        `with r as materialized (select pg_catalog.set_config('role', $1, true) as r)
         select n.id from r, public.identity_notes n order by 1`,
        [role],
      );
      expectNoMoreThan(ids, ALICE_ROWS);
    }
  });

  it('sets the claims inside a CTE, a WHERE clause or a function call in the same statement', async () => {
    const bobsToken = await inRun(bob, (q) => currentToken(q));
    const forged = await inRun(null, async (q) => signClaims(await claimsForThisSession(q, bob), WRONG_KEY));
    const statements = [
      `with f as materialized (select pg_catalog.set_config('quarry.claims', $1, true) as s)
       select n.id from f, public.identity_notes n order by 1`,
      `select id from public.identity_notes where pg_catalog.set_config('quarry.claims', $1, true) is not null order by 1`,
      `select n.id from public.identity_notes n
       where n.owner_id = (select ${SCHEMA}.reader_id() from (select pg_catalog.set_config('quarry.claims', $1, true)) s)
       order by 1`,
      // A function the reader made earlier (a run creates nothing), plain or SECURITY DEFINER.
      `select n.id from ${EVIL}.set_claims($1) s, public.identity_notes n order by 1`,
      `select n.id from public.identity_notes n where ${EVIL}.set_claims_as_owner($1) is not null order by 1`,
      `select x.id from (select pg_catalog.set_config('quarry.claims', $1, true)) s,
         lateral (select id from public.identity_notes) x order by 1`,
    ];
    for (const statement of statements) {
      for (const token of [bobsToken, forged]) {
        const { ids, error } = await cell(alice, statement, [token]);
        // Each runs (a refusal would prove nothing) and shows no more than alice's rows.
        expect(error).toBeNull();
        expectNoMoreThan(ids, ALICE_ROWS);
      }
    }
  });

  it('sends several statements in one string, which the stream refuses outright', async () => {
    const forged = await inRun(null, async (q) => signClaims(await claimsForThisSession(q, bob), WRONG_KEY));
    const outcomes = [
      await cell(alice, `select 1; select pg_catalog.set_config('quarry.claims', '${forged}', true)`),
      await cell(
        alice,
        `select pg_catalog.set_config('quarry.claims', '${forged}', true); select id from public.identity_notes`,
      ),
      await cell(alice, `reset role; select id from public.identity_notes`),
    ];

    for (const outcome of outcomes) {
      expect(outcome.rows).toEqual([]);
      expect(outcome.error).toMatch(/multiple commands/);
    }
  });

  it('cannot reach the key: not the table, not the internals, not the owner role', async () => {
    const attempts = [
      `select key from ${SCHEMA}.signing_key`,
      `select ${SCHEMA}.hmac_sha256('\\x00'::bytea, '\\x00'::bytea)`,
      `select ${SCHEMA}.hmac_pad('\\x00'::bytea, 54)`,
      `set role ${OWNER}`,
      `select pg_catalog.set_config('role', '${OWNER}', true)`,
      `set session authorization ${OWNER}`,
    ];
    const codes = await inRun(alice, async (q) => {
      const seen: string[] = [];
      for (const text of attempts) {
        await q('savepoint s', []);
        seen.push(
          await q(text, []).then(
            () => 'allowed',
            (error: { code?: string }) => error.code ?? 'error',
          ),
        );
        await q('rollback to savepoint s', []);
      }
      return seen;
    });
    const [sources] = await admin<{ n: number }[]>`
      select count(*)::int as n from pg_proc where prosrc like ${`%${KEY}%`} or prosrc like ${`%${KEY.slice(0, 16)}%`}`;

    expect(codes).toEqual(['42501', '42501', '42501', '42501', '42501', '42501']);
    // Function sources are readable by anyone: none of them holds the key.
    expect(sources?.n).toBe(0);
  });

  it('reads every table through pg_read_all_data, and still not the key', async () => {
    await admin.unsafe(`grant pg_read_all_data to ${readerRole}`);
    let outcome: { keys: number; ids: number[]; warnings: string[] };
    try {
      outcome = await inRun(alice, async (q) => ({
        keys: (await q(`select key from ${SCHEMA}.signing_key`, [])).length,
        ids: await visible(q),
        warnings: (await auditIdentityRoles(q, SCHEMA)).map((w) => w.code),
      }));
    } finally {
      await admin.unsafe(`revoke pg_read_all_data from ${readerRole}`);
    }

    // SELECT on every table, row-level security still on: no key row, and only alice's rows.
    expect(outcome).toEqual({ keys: 0, ids: ALICE_ROWS, warnings: [] });
  });

  it('shadows sha256, the HMAC, current_setting, the pid, the verifier, = and ->> through search_path', async () => {
    const outcome = await inRun(alice, async (q) => {
      await q(`set search_path = ${EVIL}, pg_catalog, public`, []);
      const genuine = { ids: await visible(q), sub: await verifiedSub(q) };
      const claims = await claimsForThisSession(q, bob);
      const seen: { ids: number[]; sub: unknown }[] = [];
      for (const token of [
        `v1.${identityKeyId(KEY)}.${payloadOf(claims)}.${'0'.repeat(64)}`,
        signClaims(claims, WRONG_KEY),
      ]) {
        await setToken(q, token);
        seen.push({ ids: await visible(q), sub: await verifiedSub(q) });
      }
      // Unqualified, the reader's own shadow answers what it likes: the policy never calls it.
      const shadowCall = (await q('select reader_id() as sub', []))[0]?.sub;
      return { genuine, seen, shadowCall, after: await visible(q) };
    });

    expect(outcome.genuine).toEqual({ ids: ALICE_ROWS, sub: 'usr_alice' });
    for (const seen of outcome.seen) expect(seen).toEqual({ ids: [], sub: null });
    expect(outcome.shadowCall).toBe('usr_bob');
    expect(outcome.after).toEqual([]);
  });
});

describe('nothing outlives the run', () => {
  it('leaves a new connection of the same role with no claims and no rows', async () => {
    expect((await cell(alice, 'select id from public.identity_notes order by id')).ids).toEqual(ALICE_ROWS);

    const after = await inRun(null, async (q) => {
      const [row] = await q(
        `select pg_catalog.current_setting('quarry.claims', true) as claims, ${SCHEMA}.current_reader() as reader`,
        [],
      );
      return { row, ids: await visible(q) };
    });

    expect(after).toEqual({ row: { claims: null, reader: null }, ids: [] });
  });
});

describe('the runner’s identity step', () => {
  it('fails the run when the warehouse holds another key', async () => {
    const error = await inRun(null, (q) => identityPrepare(prepareInput(alice, { key: WRONG_KEY }))(q)).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(IdentityError);
    expect((error as IdentityError).error.code).toBe('connector.identity_rejected');
  });

  it('fails the run when identity passthrough is not installed under that schema', async () => {
    const error = await inRun(null, (q) =>
      identityPrepare(prepareInput(alice, { schema: 'quarry_not_here' }))(q),
    ).catch((e: unknown) => e);

    expect((error as IdentityError).error.code).toBe('connector.identity_not_installed');
  });

  it('fails the run when the role may not call the verifier', async () => {
    const error = await inRun(null, async (q) => {
      await q(`set role ${ALT_PLAIN}`, []);
      return identityPrepare(prepareInput(alice, {}))(q);
    }).catch((e: unknown) => e);

    expect((error as IdentityError).error.code).toBe('connector.identity_denied');
  });

  it('fails the run when the claims expired before the warehouse saw them', async () => {
    const error = await inRun(null, (q) => identityPrepare(prepareInput(alice, { ttlMs: -1000 }))(q)).catch(
      (e: unknown) => e,
    );

    expect((error as IdentityError).error.code).toBe('connector.identity_rejected');
  });
});

describe('the connection test’s self-check', () => {
  it('passes with the warehouse’s key and no role that reads past RLS', async () => {
    const outcome = await inRun(null, (q) =>
      identitySelfCheck(q, { key: KEY, schema: SCHEMA, workspaceId: WORKSPACE }),
    );

    expect(outcome).toEqual({ ok: true, value: [] });
  });

  it.each([
    [
      'another key',
      { key: WRONG_KEY, schema: SCHEMA, workspaceId: WORKSPACE },
      'connector.identity_rejected',
    ],
    [
      'another workspace',
      { key: KEY, schema: SCHEMA, workspaceId: 'wsp_other' },
      'connector.identity_rejected',
    ],
    [
      'no install',
      { key: KEY, schema: 'quarry_not_here', workspaceId: WORKSPACE },
      'connector.identity_not_installed',
    ],
  ])('fails with %s, saying which', async (_, input, code) => {
    const outcome = await inRun(null, (q) => identitySelfCheck(q, input));

    expect(outcome.ok ? null : outcome.error.code).toBe(code);
  });
});

describe('the install SQL', () => {
  it('runs again over an existing install and the identity still verifies', async () => {
    await admin.unsafe(
      identityInstallSql({ schema: SCHEMA, readerRoles: [readerRole, ALT_READER], ownerRole: OWNER }),
    );
    await admin.unsafe(identityKeySql({ schema: SCHEMA, key: KEY, workspaceId: WORKSPACE }));

    expect((await cell(alice, 'select id from public.identity_notes order by id')).ids).toEqual(ALICE_ROWS);
  });

  it('rotates a key: the new one verifies at once, the removed one stops at once', async () => {
    const next = generateIdentityKey();
    await admin.unsafe(identityKeySql({ schema: SCHEMA, key: next, workspaceId: WORKSPACE }));
    const withNext = await inRun(alice, visible, { key: next });
    await admin.unsafe(identityKeyRevokeSql({ schema: SCHEMA, key: next }));
    const afterRemoval = await inRun(null, (q) =>
      identityPrepare(prepareInput(alice, { key: next }))(q).catch((e: IdentityError) => e.error.code),
    );

    expect(withNext).toEqual(ALICE_ROWS);
    expect(afterRemoval).toBe('connector.identity_rejected');
  });

  it('verifies claims only for the workspace its key was generated for, with two keys installed', async () => {
    const otherKey = generateIdentityKey();
    await admin.unsafe(identityKeySql({ schema: SCHEMA, key: otherKey, workspaceId: 'wsp_other' }));
    try {
      // The other workspace's Admin holds otherKey and signs claims naming this workspace's reader.
      const outcome = await inRun(null, async (q) => {
        await setToken(q, signClaims(await claimsForThisSession(q, bob), otherKey));
        return { ids: await visible(q), sub: await verifiedSub(q) };
      });
      expect(outcome).toEqual({ ids: [], sub: null });
    } finally {
      await admin.unsafe(identityKeyRevokeSql({ schema: SCHEMA, key: otherKey }));
    }
  });

  it('refuses a reader role that can act as the owner of the key', async () => {
    const member = `qi_member_${suffix}`;
    await admin.unsafe(`create role ${member} nologin; grant ${OWNER} to ${member}`);

    await expect(
      admin.unsafe(identityInstallSql({ schema: SCHEMA, readerRoles: [member], ownerRole: OWNER })),
    ).rejects.toThrow(/can act as/);
    // The install is one transaction: the refusal left it aborted, with nothing of it applied.
    await admin.unsafe('rollback');
  });

  it('computes HMAC-SHA256 as node:crypto does (RFC 4231 cases, a key longer than a block)', async () => {
    const cases = [
      { key: Buffer.alloc(20, 0x0b), data: Buffer.from('Hi There') },
      { key: Buffer.from('Jefe'), data: Buffer.from('what do ya want for nothing?') },
      {
        key: Buffer.alloc(131, 0xaa),
        data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
      },
      { key: Buffer.from(KEY, 'hex'), data: Buffer.from('v1.0123456789abcdef.e30=') },
    ];
    for (const { key, data } of cases) {
      const [row] = await admin.unsafe<{ mac: Buffer }[]>(`select ${SCHEMA}.hmac_sha256($1, $2) as mac`, [
        key,
        data,
      ]);
      expect(row?.mac.toString('hex')).toBe(createHmac('sha256', key).update(data).digest('hex'));
    }
  });
});

describe('the limits, audited', () => {
  it('names roles the login role may become that RLS does not bind or that read the key, and tables it owns unforced', async () => {
    const before = await inRun(null, (q) => auditIdentityRoles(q, SCHEMA));
    await admin.unsafe(`
      create role ${BYPASS} nologin bypassrls;
      grant select on public.identity_notes to ${BYPASS};
      create table public.identity_owned (id int);
      alter table public.identity_owned owner to ${ALT_READER};
      alter table public.identity_owned enable row level security;`);
    let after: Awaited<ReturnType<typeof auditIdentityRoles>>;
    let asBypass: number[];
    let keyAsOwner: number;
    try {
      await admin.unsafe(`grant ${BYPASS}, ${OWNER} to ${readerRole}`);
      after = await inRun(null, (q) => auditIdentityRoles(q, SCHEMA));
      // What the warning is about: such a role reads every row, with anyone's identity or none.
      asBypass = await inRun(alice, async (q) => {
        await q(`set role ${BYPASS}`, []);
        return visible(q);
      });
      // And a role that may act as the key's owner reads the key, so it could sign anyone.
      keyAsOwner = await inRun(null, async (q) => {
        await q(`set role ${OWNER}`, []);
        return (await q(`select key from ${SCHEMA}.signing_key`, [])).length;
      });
    } finally {
      await admin.unsafe(`revoke ${BYPASS}, ${OWNER} from ${readerRole}`);
    }

    expect(before).toEqual([]);
    expect(
      after.map((w) => [w.code, [BYPASS, 'identity_owned', OWNER].some((name) => w.message.includes(name))]),
    ).toEqual([
      ['role.identity_bypassed', true],
      ['role.identity_owns_rls_tables', true],
      ['role.identity_reads_key', true],
    ]);
    expect(asBypass).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(keyAsOwner).toBeGreaterThan(0);
  });
});
