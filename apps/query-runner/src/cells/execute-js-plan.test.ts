import { randomBytes } from 'node:crypto';
import type { Cell, Column, JsStep, RunPlan, SqlStep } from '@quarry/contracts';
import { newId } from '@quarry/db';
import {
  auditEvents,
  cells,
  connections,
  projectSecrets,
  secrets,
  secretValueContext,
} from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { watchVault } from '@quarry/leak-scan';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernelPool, type KernelPool } from '../kernels';
import {
  type CellsDeps,
  executeJsPlan,
  type JsPlanInput,
  jsPlanOf,
  type ResultSink,
} from './execute-js-plan';

let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let vault: Vault;
let pool: KernelPool;
let deps: CellsDeps;

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 500 });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  fixture = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  const log = pino({ level: 'silent' });
  pool = createKernelPool({
    log,
    size: 2,
    limits: { cpuMs: 1500, wallMs: 4000, memoryMb: 64 },
    hostHeapMb: 256,
    hostRssMb: 1024,
  });
  deps = {
    db: database.db,
    vault,
    log,
    now: () => new Date(),
    allowPrivateHosts: LOOPBACK_ALLOW_LIST,
    kernels: pool,
    inputCaps: { maxRows: 10_000, maxBytes: 16 * 1024 * 1024 },
  };
});
afterAll(async () => {
  await pool?.close();
  await warehouse?.drop();
  await database?.drop();
});

type Sunk = { columns: Column[] | null; rows: Cell[][]; values: string[] };

function memorySink(): { sink: ResultSink; sunk: Sunk } {
  const sunk: Sunk = { columns: null, rows: [], values: [] };
  return {
    sunk,
    sink: {
      columns: async (columns) => {
        sunk.columns = columns;
      },
      rows: async (batch) => {
        sunk.rows.push(...batch);
      },
      value: async (json) => {
        sunk.values.push(json);
      },
    },
  };
}

const sqlStep = (name: string, sql: string, params: (string | null)[] = []): SqlStep => ({
  kind: 'sql',
  cellId: newId('cell'),
  name,
  connectionId: fixture.connectionId,
  sql,
  params,
});
const jsStep = (name: string, source: string, uses: string[] = []): JsStep => ({
  kind: 'js',
  cellId: newId('cell'),
  name,
  source,
  uses,
});

async function run(
  steps: RunPlan['steps'],
  options: {
    owner?: keyof WorkspaceFixture['users'];
    inputs?: RunPlan['inputs'];
    signal?: AbortSignal;
    rowLimit?: number;
    deps?: Partial<CellsDeps>;
    minimumPermission?: JsPlanInput['minimumPermission'];
  } = {},
) {
  const { sink, sunk } = memorySink();
  const runId = newId('run');
  const outcome = await executeJsPlan(
    { ...deps, ...options.deps },
    {
      run: {
        id: runId,
        workspaceId: fixture.workspaceId,
        projectId: fixture.projectId,
        ownerId: fixture.users[options.owner ?? 'editor'].id,
        rowLimit: options.rowLimit ?? 10_000,
      },
      plan: { steps, inputs: options.inputs ?? {} },
      signal: options.signal ?? new AbortController().signal,
      sink,
      ...(options.minimumPermission ? { minimumPermission: options.minimumPermission } : {}),
    },
  );
  return { ...outcome, sunk, runId };
}

describe('dispatching on a stored plan', () => {
  it('answers the plan of a JS target and nothing for a SQL target or a run without a plan', () => {
    const js: RunPlan = { steps: [jsStep('a', 'return 1;')], inputs: {} };
    expect(jsPlanOf(JSON.parse(JSON.stringify(js)))).toEqual(js);
    expect(jsPlanOf({ steps: [sqlStep('q', 'select 1')], inputs: {} })).toBeNull();
    expect(jsPlanOf(null)).toBeNull();
    expect(jsPlanOf({ steps: [{ kind: 'js', name: 'no id' }], inputs: {} })).toBeNull();
  });
});

describe('a JS cell over a SQL cell', () => {
  it('receives exact values typed by their logical type: big integers, decimals, dates, timestamps, JSON and NULL', async () => {
    const q = sqlStep(
      'q',
      `select 42::int4 as i4, 12::int8 as small8, 9007199254740993::int8 as big8,
              1234.50::numeric(12,2) as price, 12345678901234567890.123::numeric as wide, 'NaN'::numeric as nan,
              0.1::float8 as f, 'Infinity'::float8 as inf, true as yes,
              date '2026-01-15' as d, date '0044-03-15 BC' as bc, timestamp '2026-01-15 13:45:00.123456' as ts,
              timestamptz '2026-01-15 13:45:00.123456+00' as tstz, '{"a":[1,2],"b":null}'::jsonb as j,
              null::text as nothing, ''::text as empty, 'a'::text as dup, 'b'::text as dup`,
    );
    const js = jsStep(
      'shape',
      'const [row] = q; return { row, types: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? "null" : typeof v])), rows: q.length };',
      ['q'],
    );
    const { result, sunk, steps } = await run([q, js]);
    expect(result).toEqual({ ok: true, value: { kind: 'value' } });
    expect(sunk.values).toHaveLength(1);
    const value = JSON.parse(sunk.values[0] ?? 'null') as {
      row: Record<string, unknown>;
      types: Record<string, string>;
    };
    expect(value.row).toMatchObject({
      i4: 42,
      small8: 12,
      big8: '9007199254740993',
      price: 1234.5,
      wide: '12345678901234567890.123',
      nan: 'NaN',
      f: 0.1,
      inf: 'Infinity',
      yes: true,
      d: '2026-01-15',
      bc: '0044-03-15 BC',
      ts: '2026-01-15 13:45:00.123456',
      j: { a: [1, 2], b: null },
      nothing: null,
      empty: '',
      dup: 'a',
      dup_2: 'b',
    });
    // The instant keeps its microseconds and its offset, as the database wrote it.
    expect(value.row.tstz).toMatch(/^2026-01-15 13:45:00\.123456\+00(:00)?$/);
    expect(value.types).toMatchObject({
      i4: 'number',
      big8: 'string',
      price: 'number',
      wide: 'string',
      ts: 'string',
      j: 'object',
      nothing: 'null',
      empty: 'string',
    });
    expect(steps.map((s) => [s.name, s.kind, s.rowCount])).toEqual([
      ['q', 'sql', 1],
      ['shape', 'js', null],
    ]);
    expect(steps.every((s) => Number.isInteger(s.durationMs) && s.durationMs >= 0)).toBe(true);
  });

  it('reads another JS cell and an input, and hands back a table typed from its JS values', async () => {
    const inputName = `min_${randomBytes(3).toString('hex')}`;
    await database.db.insert(cells).values({
      id: newId('cell'),
      workspaceId: fixture.workspaceId,
      projectId: fixture.projectId,
      position: 1,
      name: inputName,
      kind: 'input',
      config: { type: 'number', default: null },
    });
    const byStatus = sqlStep(
      'by_status',
      'select status, count(*)::int8 as n from orders where id <= $1::int group by status order by status',
      ['500'],
    );
    const big = jsStep(
      'big',
      `if (typeof ${inputName} !== 'number') throw new Error('the input is not a number'); return by_status.filter((r) => r.n >= ${inputName});`,
      ['by_status', inputName],
    );
    const out = jsStep(
      'out',
      'return big.map((r) => ({ status: r.status, n: r.n, huge: BigInt(r.n) * 10n ** 20n, when: new Date(Date.UTC(2026, 0, 15, 13, 45, 0, 123)), meta: { s: r.status }, third: r.n / 3 + 0.5, none: null, mixed: r.n > 0 ? "x" : 1 }));',
      ['big'],
    );
    const { result, sunk, steps } = await run([byStatus, big, out], { inputs: { [inputName]: '1' } });
    expect(result).toMatchObject({ ok: true, value: { kind: 'table', truncated: false } });
    expect(sunk.columns).toEqual([
      { name: 'status', type: 'text', dbType: 'string' },
      { name: 'n', type: 'integer', dbType: 'number' },
      { name: 'huge', type: 'integer', dbType: 'bigint' },
      { name: 'when', type: 'timestamptz', dbType: 'Date', timeZone: 'UTC' },
      { name: 'meta', type: 'json', dbType: 'object' },
      { name: 'third', type: 'float', dbType: 'number' },
      { name: 'none', type: 'text', dbType: 'null' },
      { name: 'mixed', type: 'text', dbType: 'string' },
    ]);
    const admin = postgres(warehouse.adminUrl, { max: 1 });
    try {
      const expected = await admin<{ status: string; n: number }[]>`
        select status, count(*)::int as n from orders where id <= 500 group by status order by status`;
      expect(sunk.rows).toEqual(
        expected.map((r) => [
          r.status,
          r.n,
          `${BigInt(r.n) * 10n ** 20n}`,
          '2026-01-15T13:45:00.123Z',
          JSON.stringify({ s: r.status }),
          String(r.n / 3 + 0.5),
          null,
          'x',
        ]),
      );
      expect(result.ok && result.value.kind === 'table' && result.value.rowCount).toBe(expected.length);
      expect(steps.map((s) => [s.name, s.rowCount])).toEqual([
        ['by_status', expected.length],
        ['big', expected.length],
        ['out', expected.length],
      ]);
    } finally {
      await admin.end();
    }
  });

  it('hands inputs over typed by their input type: numbers exact, dates as text, ranges as objects', async () => {
    const suffix = randomBytes(3).toString('hex');
    const names = {
      small: `small_${suffix}`,
      wide: `wide_${suffix}`,
      day: `day_${suffix}`,
      span: `span_${suffix}`,
      label: `label_${suffix}`,
    };
    const configs = [
      [names.small, { type: 'number', default: null }],
      [names.wide, { type: 'number', default: null }],
      [names.day, { type: 'date', default: null }],
      [names.span, { type: 'date_range', default: null }],
      [names.label, { type: 'text', default: '' }],
    ] as const;
    for (const [i, [name, config]] of configs.entries()) {
      await database.db.insert(cells).values({
        id: newId('cell'),
        workspaceId: fixture.workspaceId,
        projectId: fixture.projectId,
        position: 10 + i,
        name,
        kind: 'input',
        config,
      });
    }
    const uses = Object.values(names);
    const { result, sunk } = await run([jsStep('echo', `return [${uses.join(', ')}];`, uses)], {
      inputs: {
        [names.small]: '-1.25',
        [names.wide]: '12345678901234567890',
        [names.day]: '2026-02-28',
        [names.span]: { start: '2026-01-01', end: '2026-01-31' },
        [names.label]: '',
      },
    });
    expect(result).toEqual({ ok: true, value: { kind: 'value' } });
    expect(JSON.parse(sunk.values[0] ?? 'null')).toEqual([
      -1.25,
      '12345678901234567890',
      '2026-02-28',
      { start: '2026-01-01', end: '2026-01-31' },
      '',
    ]);
  });

  it('marks a table longer than the run’s row limit truncated and sends only the limit', async () => {
    const { result, sunk } = await run(
      [jsStep('many', 'return Array.from({ length: 50 }, (_, i) => ({ i }));')],
      {
        rowLimit: 20,
      },
    );
    expect(result).toEqual({ ok: true, value: { kind: 'table', rowCount: 20, truncated: true } });
    expect(sunk.rows).toEqual(Array.from({ length: 20 }, (_, i) => [i]));
  });

  it('stops sending and ends with the writer’s error when the result is abandoned', async () => {
    const abandoned = { code: 'run.abandoned', message: 'Nobody read this result' };
    const batches: number[] = [];
    const outcome = await executeJsPlan(deps, {
      run: {
        id: newId('run'),
        workspaceId: fixture.workspaceId,
        projectId: fixture.projectId,
        ownerId: fixture.users.editor.id,
        rowLimit: 100_000,
      },
      plan: {
        steps: [jsStep('many', 'return Array.from({ length: 10000 }, (_, i) => ({ i }));')],
        inputs: {},
      },
      signal: new AbortController().signal,
      sink: {
        columns: async () => ({ ok: true, value: undefined }),
        rows: async (batch) => {
          batches.push(batch.length);
          return batches.length === 1 ? { ok: true, value: undefined } : { ok: false, error: abandoned };
        },
        value: async () => undefined,
      },
    });
    expect(outcome.result).toEqual({ ok: false, error: { ...abandoned, kind: 'user' } });
    expect(batches).toEqual([4000, 4000]);
  });

  it('refuses SQL inputs past the row cap with a typed error saying to filter in SQL, and sends nothing', async () => {
    const { result, sunk, steps } = await run(
      [
        sqlStep('all_orders', 'select * from orders'),
        jsStep('count', 'return all_orders.length;', ['all_orders']),
      ],
      { deps: { inputCaps: { maxRows: 100, maxBytes: 16 * 1024 * 1024 } } },
    );
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'run.result_too_large',
        kind: 'user',
        details: { cell: 'all_orders', limit: 'rows', cap: 100 },
      },
    });
    if (!result.ok) expect(result.error.hint).toMatch(/Filter or aggregate in SQL first/);
    expect(sunk).toEqual({ columns: null, rows: [], values: [] });
    expect(steps).toEqual([]);
    const bytes = await run(
      [
        sqlStep('all_orders', 'select * from orders'),
        jsStep('count', 'return all_orders.length;', ['all_orders']),
      ],
      { deps: { inputCaps: { maxRows: 10_000, maxBytes: 2048 } } },
    );
    expect(bytes.result).toMatchObject({
      ok: false,
      error: { code: 'run.result_too_large', details: { limit: 'bytes', cap: 2048 } },
    });
  });
});

describe('a hostile or failing JS cell', () => {
  it('ends an endless loop with kernel.timeout while this process keeps serving runs', async () => {
    const { result, sunk } = await run([jsStep('spin', 'while (true) {}')]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'kernel.timeout', kind: 'user', details: { cell: 'spin' } },
    });
    expect(sunk).toEqual({ columns: null, rows: [], values: [] });
    const next = await run([jsStep('fine', 'return 6 * 7;')]);
    expect(next.result).toEqual({ ok: true, value: { kind: 'value' } });
    expect(next.sunk.values).toEqual(['42']);
  });

  it('names the cell and the line of a thrown error', async () => {
    const { result } = await run([
      jsStep('a', 'return 1;'),
      jsStep('b', 'const x = 1;\nthrow new TypeError("bad " + a);', ['a']),
    ]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'kernel.error', message: 'TypeError: bad 1', details: { cell: 'b', line: 2 } },
    });
  });
});

describe('cancelling a JS run', () => {
  it('cancels the running upstream query on the server', async () => {
    const controller = new AbortController();
    const marker = `cancel_${randomBytes(4).toString('hex')}`;
    const text = `select pg_sleep(30) as ${marker}`;
    const admin = postgres(warehouse.adminUrl, { max: 1 });
    try {
      const running = run([sqlStep('slow', text), jsStep('after', 'return slow.length;', ['slow'])], {
        signal: controller.signal,
      });
      await waitFor(async () => {
        const [row] = await admin<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where query = ${text} and state = 'active'`;
        return (row?.n ?? 0) > 0;
      });
      controller.abort();
      const { result, sunk } = await running;
      expect(result).toMatchObject({ ok: false, error: { code: 'run.cancelled' } });
      expect(sunk).toEqual({ columns: null, rows: [], values: [] });
      await waitFor(async () => {
        const [row] = await admin<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where query = ${text} and state = 'active'`;
        return row?.n === 0;
      });
    } finally {
      await admin.end();
    }
  });

  it('disposes the isolate of a running cell and frees its kernel', async () => {
    const controller = new AbortController();
    const running = run([jsStep('forever', 'await new Promise(() => {});')], { signal: controller.signal });
    await waitFor(async () => pool.stats().busy > 0);
    controller.abort();
    const { result } = await running;
    // Not kernel.timeout: the cancel ended it, not the wall deadline.
    expect(result).toMatchObject({ ok: false, error: { code: 'run.cancelled' } });
    await waitFor(async () => pool.stats().busy === 0);
    const next = await run([jsStep('fine', 'return "served";')]);
    expect(next.sunk.values).toEqual(['"served"']);
  });
});

describe('secrets and permissions', () => {
  let secretValue: string;
  beforeAll(async () => {
    secretValue = randomBytes(18).toString('base64url');
    const secretId = newId('secret');
    await database.db.insert(secrets).values({
      id: secretId,
      workspaceId: fixture.workspaceId,
      name: 'api_token',
      value: watchVault(vault).seal(secretValue, secretValueContext(fixture.workspaceId, secretId)),
      createdBy: fixture.users.admin.id,
    });
    await database.db.insert(projectSecrets).values({
      projectId: fixture.projectId,
      secretId,
      workspaceId: fixture.workspaceId,
      importedBy: fixture.users.admin.id,
    });
  });

  // The cell hands the value back reversed: enough to prove it arrived exactly, never the value itself.
  const reveal = jsStep(
    'reveal',
    'return { names: Object.keys(secrets), reversed: (secrets.api_token ?? "").split("").reverse().join("") };',
  );
  const reversed = () => secretValue.split('').reverse().join('');
  const unwrapsOf = (runId: string) =>
    database.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.action, 'secret.value_unwrap'), eq(auditEvents.actorId, fixture.users.editor.id)),
      )
      .then((rows) => rows.filter((r) => (r.details as { runId?: string } | null)?.runId === runId));

  it('hands the project’s secrets to the kernel of a Can edit owner, and audits the unseal', async () => {
    const { result, sunk, runId } = await run([reveal]);
    expect(result).toEqual({ ok: true, value: { kind: 'value' } });
    expect(JSON.parse(sunk.values[0] ?? 'null')).toEqual({ names: ['api_token'], reversed: reversed() });
    expect(await unwrapsOf(runId)).toHaveLength(1);
  });

  it('hands them to a Full access owner (the project’s creator)', async () => {
    const { sunk } = await run([reveal], { owner: 'admin' });
    expect(JSON.parse(sunk.values[0] ?? 'null')).toEqual({ names: ['api_token'], reversed: reversed() });
  });

  it('neither unseals nor hands secrets to an owner below Can edit', async () => {
    const { result, sunk, runId } = await run([reveal], {
      owner: 'explorer',
      minimumPermission: 'can_explore',
    });
    expect(result).toEqual({ ok: true, value: { kind: 'value' } });
    expect(JSON.parse(sunk.values[0] ?? 'null')).toEqual({ names: [], reversed: '' });
    const audited = await database.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.action, 'secret.value_unwrap'),
          eq(auditEvents.actorId, fixture.users.explorer.id),
        ),
      );
    expect(audited.filter((r) => (r.details as { runId?: string } | null)?.runId === runId)).toEqual([]);
  });

  it('refuses to run for an owner below Can edit by default (JOB-4)', async () => {
    const { result, sunk } = await run([reveal], { owner: 'explorer' });
    expect(result).toMatchObject({ ok: false, error: { code: 'access.capped_by_role', kind: 'user' } });
    expect(sunk).toEqual({ columns: null, rows: [], values: [] });
  });

  it('refuses, before any query, an owner without Can view results on a connection the result derives from', async () => {
    // A second connection of the workspace, limited to a group the Manager is not in. The project
    // does not import it, so only the results gate stands between the run and its rows.
    const [base] = await database.db
      .select()
      .from(connections)
      .where(eq(connections.id, fixture.connectionId));
    if (!base) throw new Error('no fixture connection');
    const crmId = newId('connection');
    await database.db.insert(connections).values({
      ...base,
      id: crmId,
      name: 'crm',
      canViewResults: ['grp_finance'],
      canQuery: ['grp_finance'],
    });
    const q = { ...sqlStep('q', 'select id from orders'), connectionId: crmId };
    const { result, sunk, steps } = await run([q, jsStep('n', 'return q.length;', ['q'])], {
      owner: 'manager',
    });
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'access.no_can_view_results',
        message: "No Can view results on connection 'crm'",
        details: { connectionId: crmId, connection: 'crm' },
        kind: 'user',
      },
    });
    expect(sunk).toEqual({ columns: null, rows: [], values: [] });
    expect(steps).toEqual([]);
  });

  it('refuses an owner who lost Can view results on the project’s own connection, naming it', async () => {
    await database.db
      .update(connections)
      .set({ canViewResults: ['grp_finance'], canQuery: ['grp_finance'] })
      .where(eq(connections.id, fixture.connectionId));
    try {
      const { result, sunk } = await run(
        [sqlStep('q', 'select id from orders'), jsStep('n', 'return q.length;', ['q'])],
        {
          owner: 'manager',
        },
      );
      expect(result).toMatchObject({
        ok: false,
        error: { code: expect.stringMatching(/^access\./), kind: 'user' },
      });
      if (!result.ok) expect(result.error.message).toContain("'warehouse'");
      expect(sunk).toEqual({ columns: null, rows: [], values: [] });
    } finally {
      await database.db
        .update(connections)
        .set({ canViewResults: null, canQuery: null })
        .where(eq(connections.id, fixture.connectionId));
    }
  });

  it('refuses a SQL step on a connection the owner has no Can query on (JOB-4)', async () => {
    await database.db
      .update(connections)
      .set({ canQuery: ['grp_finance'] })
      .where(eq(connections.id, fixture.connectionId));
    try {
      const { result } = await run(
        [sqlStep('q', 'select 1 as one'), jsStep('n', 'return q.length;', ['q'])],
        {
          minimumPermission: 'can_explore',
        },
      );
      expect(result).toMatchObject({ ok: false, error: { code: 'access.no_can_query' } });
    } finally {
      await database.db
        .update(connections)
        .set({ canQuery: null })
        .where(eq(connections.id, fixture.connectionId));
    }
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('waited 10 s for a condition that never held');
}
