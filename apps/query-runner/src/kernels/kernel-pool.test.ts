import { registerSecret } from '@quarry/leak-scan';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelPool } from './kernel-pool';
import {
  expectNeighbourServed,
  expectRecovered,
  longestStall,
  MAX_HOST_CPU_MS,
  MAX_STALL_MS,
  runOnce,
  startTestPool,
} from './testing/pool-harness';
import { withKernelSession } from './with-kernel-session';

const SILENT_HOST = new URL('./testing/silent-kernel-host.ts', import.meta.url).pathname;
const isAlive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the kernel pool', () => {
  let pool: KernelPool;
  let logLines: string[];
  beforeAll(() => {
    ({ pool, logLines } = startTestPool({ size: 2, limits: { memoryMb: 64, cpuMs: 2000, wallMs: 5000 } }));
  });
  afterAll(() => pool.close());

  it('runs a cell on earlier results and inputs, and returns a table', async () => {
    const r = await runOnce(
      pool,
      'return orders.rows.filter((r) => r[1] === region).map(([id, reg, amount]) => ({ id, amount: amount * factor }));',
      {
        orders: {
          columns: ['id', 'region', 'amount'],
          rows: [
            [1, 'eu', 10],
            [2, 'us', 20],
            [3, 'eu', 30],
          ],
        },
        region: 'eu',
        factor: 2,
      },
    );
    expect(r).toMatchObject({
      ok: true,
      value: {
        result: {
          kind: 'table',
          columns: ['id', 'amount'],
          rows: [
            [1, 20],
            [3, 60],
          ],
        },
        logs: [],
      },
    });
  });

  it('takes { columns, rows }, a JSON value, and console output back', async () => {
    const table = await runOnce(pool, 'return { columns: ["a"], rows: [[1], [null]] };');
    expect(table).toMatchObject({
      ok: true,
      value: { result: { kind: 'table', columns: ['a'], rows: [[1], [null]] } },
    });
    const value = await runOnce(
      pool,
      'console.log("n =", 3, { x: 1 }); return { total: 3n, when: new Date(0) };',
    );
    expect(value).toMatchObject({
      ok: true,
      value: {
        result: { kind: 'value', value: { total: '3', when: '1970-01-01T00:00:00.000Z' } },
        logs: ['n = 3 {"x":1}'],
      },
    });
  });

  it('takes 100,000 rows × 7 fields in and hands them back transformed, under the default limits', async () => {
    const big = startTestPool({ size: 1 });
    try {
      const rows = Array.from({ length: 100_000 }, (_, i) => [
        i,
        i % 977,
        'paid',
        i / 100,
        '2026-01-01T00:00:00Z',
        'eu',
        `note ${i}`,
      ]);
      const r = await runOnce(
        big.pool,
        'return orders.rows.map(([id, customer, status, amount, at, region, note]) => ({ id, customer, status, amount: amount * 2, at, region, note }));',
        { orders: { columns: ['id', 'customer', 'status', 'amount', 'at', 'region', 'note'], rows } },
      );
      expect(r.ok).toBe(true);
      if (!r.ok || r.value.result.kind !== 'table') return;
      expect(r.value.result.columns).toEqual(['id', 'customer', 'status', 'amount', 'at', 'region', 'note']);
      expect(r.value.result.rows).toHaveLength(100_000);
      expect(r.value.result.rows[99_999]).toEqual([
        99_999,
        99_999 % 977,
        'paid',
        1999.98,
        '2026-01-01T00:00:00Z',
        'eu',
        'note 99999',
      ]);
    } finally {
      await big.pool.close();
    }
  });

  it('fills missing fields of an array of objects with null, columns in order of first appearance', async () => {
    const r = await runOnce(pool, 'return [{ a: 1 }, { b: 2, a: 3 }];');
    expect(r).toMatchObject({
      ok: true,
      value: {
        result: {
          columns: ['a', 'b'],
          rows: [
            [1, null],
            [3, 2],
          ],
        },
      },
    });
  });

  it('gives each cell of a run a fresh context, and each run a fresh isolate', async () => {
    const solo = startTestPool({ size: 1 });
    try {
      const first = await solo.pool.acquire({ runId: 'run-a', permission: 'full_access' });
      if (!first.ok) throw new Error(first.error.message);
      const pid = first.value.kernelPid;
      await first.value.runCell({
        cellId: 'a1',
        code: 'globalThis.leak = "from run a"; Object.prototype.polluted = 1; Array.prototype.push = () => 0; return 1;',
        inputs: {},
      });
      const sameRun = await first.value.runCell({
        cellId: 'a2',
        code: 'return [typeof leak, ({}).polluted ?? null, [].push(1)];',
        inputs: {},
      });
      expect(sameRun).toMatchObject({ ok: true, value: { result: { value: ['undefined', null, 1] } } });
      first.value.release();
      const second = await solo.pool.acquire({ runId: 'run-b', permission: 'full_access' });
      if (!second.ok) throw new Error(second.error.message);
      expect(second.value.kernelPid).toBe(pid);
      const r = await second.value.runCell({
        cellId: 'b1',
        code: 'return [typeof leak, ({}).polluted ?? null, Object.keys(globalThis).length];',
        inputs: {},
      });
      expect(r).toMatchObject({ ok: true, value: { result: { value: ['undefined', null, 0] } } });
      second.value.release();
    } finally {
      await solo.pool.close();
    }
  });

  describe('secrets', () => {
    const secrets = { API_KEY: 'sk-kernel-test-3f9a1c77', REGION: 'eu-west-1' };
    beforeAll(() => registerSecret(secrets.API_KEY, 'kernel test secret'));

    it.each(['can_view', 'can_explore'] as const)('are absent from a run of %s', async (permission) => {
      const r = await runOnce(
        pool,
        'return { keys: Object.keys(secrets), frozen: Object.isFrozen(secrets), seen: JSON.stringify(globalThis) };',
        {},
        { permission, secrets },
      );
      expect(r).toMatchObject({
        ok: true,
        value: { result: { value: { keys: [], frozen: true, seen: '{}' } } },
      });
      expect(JSON.stringify(r)).not.toContain(secrets.API_KEY);
    });

    it.each(['can_edit', 'full_access'] as const)(
      'reach a run of %s as a frozen object of strings',
      async (permission) => {
        const r = await runOnce(
          pool,
          'secrets.API_KEY = "changed"; return { key: secrets.API_KEY, region: secrets.REGION, frozen: Object.isFrozen(secrets) };',
          {},
          { permission, secrets },
        );
        expect(r).toMatchObject({
          ok: true,
          value: { result: { value: { key: secrets.API_KEY, region: 'eu-west-1', frozen: true } } },
        });
      },
    );

    it('never reach the kernel process environment', async () => {
      const r = await runOnce(pool, 'return typeof process;', {}, { permission: 'full_access', secrets });
      expect(r).toMatchObject({ ok: true, value: { result: { value: 'undefined' } } });
    });
  });

  it('queues runs while every kernel is busy, and serves them in order', async () => {
    const a = await pool.acquire({ runId: 'hold-a', permission: 'can_view' });
    const b = await pool.acquire({ runId: 'hold-b', permission: 'can_view' });
    if (!a.ok || !b.ok) throw new Error('no kernel');
    const order: string[] = [];
    const c = pool.acquire({ runId: 'wait-c', permission: 'can_view' }).then((r) => {
      order.push('c');
      return r;
    });
    const d = pool.acquire({ runId: 'wait-d', permission: 'can_view' }).then((r) => {
      order.push('d');
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.stats()).toMatchObject({ busy: 2, queued: 2 });
    a.value.release();
    const cs = await c;
    b.value.release();
    const ds = await d;
    expect(order).toEqual(['c', 'd']);
    if (cs.ok) cs.value.release();
    if (ds.ok) ds.value.release();
    await expectRecovered(pool, 2);
  });

  it('fails the run of a killed kernel once with kernel.crashed, logs it, and replaces the kernel', async () => {
    const s = await pool.acquire({ runId: 'to-be-killed', permission: 'can_view' });
    if (!s.ok) throw new Error(s.error.message);
    const pid = s.value.kernelPid;
    const running = s.value.runCell({ cellId: 'c', code: 'await new Promise(() => {});', inputs: {} });
    await new Promise((r) => setTimeout(r, 200));
    if (pid) process.kill(pid, 'SIGKILL');
    const {
      value: r,
      stallMs,
      hostCpuMs,
    } = await longestStall(Promise.all([running, expectNeighbourServed(pool)]));
    expect(r[0]).toMatchObject({
      ok: false,
      error: { code: 'kernel.crashed', kind: 'system', details: { signal: 'SIGKILL' } },
    });
    expect(stallMs).toBeLessThan(MAX_STALL_MS);
    expect(hostCpuMs).toBeLessThan(MAX_HOST_CPU_MS);
    // The run's session is over: a second cell is refused, not run on the replacement.
    expect(await s.value.runCell({ cellId: 'd', code: 'return 1', inputs: {} })).toMatchObject({
      ok: false,
      error: { code: 'kernel.crashed' },
    });
    s.value.release();
    await expectRecovered(pool, 2);
    expect(
      logLines.some(
        (l) => l.includes('kernel process exited') && l.includes(String(pid)) && l.includes('to-be-killed'),
      ),
    ).toBe(true);
    await expectNeighbourServed(pool);
  });

  it('ends a run whose kernel idles out', async () => {
    const s = await pool.acquire({ runId: 'idle', permission: 'can_view', limits: { idleMs: 200 } });
    if (!s.ok) throw new Error(s.error.message);
    expect(await s.value.runCell({ cellId: 'a', code: 'return 1', inputs: {} })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 500));
    expect(await s.value.runCell({ cellId: 'b', code: 'return 2', inputs: {} })).toMatchObject({
      ok: false,
      error: { code: 'kernel.closed' },
    });
    s.value.release();
    await expectRecovered(pool, 2);
  });

  it('runs a notebook’s JS cells in one session that is given back even when the work throws', async () => {
    const sum = await withKernelSession(pool, { runId: 'notebook', permission: 'can_view' }, async (s) => {
      const first = await s.runCell({
        cellId: 'a',
        code: 'return [{ n: 1 }, { n: 2 }, { n: 3 }];',
        inputs: {},
      });
      if (!first.ok) return first;
      return s.runCell({
        cellId: 'b',
        code: 'return a.rows.reduce((t, [n]) => t + n, 0);',
        inputs: { a: first.value.result },
      });
    });
    expect(sum).toMatchObject({ ok: true, value: { result: { kind: 'value', value: 6 } } });
    await expect(
      withKernelSession(pool, { runId: 'throws', permission: 'can_view' }, async () => {
        throw new Error('the runner failed between cells');
      }),
    ).rejects.toThrow('the runner failed between cells');
    await expectRecovered(pool, 2);
  });

  it('disposes the isolate of a run that hit its CPU limit: the run ends, the kernel is free before release', async () => {
    const s = await pool.acquire({ runId: 'spins', permission: 'can_view', limits: { cpuMs: 200 } });
    if (!s.ok) throw new Error(s.error.message);
    const r = await s.value.runCell({
      cellId: 'a',
      code: 'Promise.resolve().then(() => { globalThis.late = 1; }); while (true) {}',
      inputs: {},
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'kernel.timeout', details: { limit: 'cpu' } } });
    expect(await s.value.runCell({ cellId: 'b', code: 'return 1', inputs: {} })).toMatchObject({
      ok: false,
      error: { code: 'kernel.timeout' },
    });
    await expectRecovered(pool, 2);
    s.value.release();
  });

  it('refuses inputs that are not JSON', async () => {
    const r = await runOnce(pool, 'return 1', { n: 1n });
    expect(r).toMatchObject({ ok: false, error: { code: 'kernel.invalid_input' } });
  });

  it('lets a run lower its limits but never raise them', async () => {
    const r = await runOnce(pool, 'while (true) {}', {}, { limits: { cpuMs: 100, wallMs: 60_000 } });
    expect(r).toMatchObject({ ok: false, error: { code: 'kernel.timeout' } });
    if (!r.ok) expect(r.error.message).toContain('100 ms');
  });
});

describe('a kernel that stops answering', () => {
  it('is killed by the pool at the deadline, fails its run with kernel.timeout, and is replaced', async () => {
    const { pool, logLines } = startTestPool({
      size: 1,
      hostEntry: SILENT_HOST,
      limits: { wallMs: 300 },
      killGraceMs: 200,
    });
    try {
      const s = await pool.acquire({ runId: 'stuck', permission: 'can_view' });
      if (!s.ok) throw new Error(s.error.message);
      const pid = s.value.kernelPid;
      const t0 = performance.now();
      const r = await s.value.runCell({ cellId: 'c', code: 'return 1', inputs: {} });
      expect(r).toMatchObject({ ok: false, error: { code: 'kernel.timeout', details: { limit: 'wall' } } });
      // Ended by the 300 ms wall limit, where a silent host would hold the cell for good.
      expect(performance.now() - t0).toBeLessThan(10_000);
      s.value.release();
      await expectRecovered(pool, 1);
      expect(isAlive(pid)).toBe(false);
      expect(logLines.some((l) => l.includes('missed its deadline'))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('kernels that cannot start', () => {
  it('fail waiting runs with kernel.crashed instead of keeping them waiting, and log why', async () => {
    // A host that finds a secret-looking variable in its environment refuses to start (KRN-1).
    const { pool, logLines } = startTestPool({ size: 1, hostEnv: { LEAKED_API_TOKEN: 'x' } });
    try {
      const r = await pool.acquire({ runId: 'never', permission: 'can_view' });
      expect(r).toMatchObject({ ok: false, error: { code: 'kernel.crashed', kind: 'system' } });
      expect(logLines.some((l) => l.includes('failed to start') && l.includes('LEAKED_API_TOKEN'))).toBe(
        true,
      );
      expect(await pool.acquire({ runId: 'again', permission: 'can_view' })).toMatchObject({
        ok: false,
        error: { code: 'kernel.crashed' },
      });
    } finally {
      await pool.close();
    }
  });
});

describe('a cancelled run', () => {
  it('stops waiting for a kernel when its signal aborts', async () => {
    const { pool } = startTestPool({ size: 1 });
    try {
      const held = await pool.acquire({ runId: 'held', permission: 'can_view' });
      if (!held.ok) throw new Error(held.error.message);
      const controller = new AbortController();
      const waiting = pool.acquire({ runId: 'cancelled', permission: 'can_view', signal: controller.signal });
      await new Promise((r) => setTimeout(r, 50));
      expect(pool.stats().queued).toBe(1);
      controller.abort();
      expect(await waiting).toMatchObject({ ok: false, error: { code: 'kernel.closed' } });
      expect(pool.stats().queued).toBe(0);
      held.value.release();
    } finally {
      await pool.close();
    }
  });

  it('ends a running cell at once when its run releases the kernel', async () => {
    const { pool } = startTestPool({ size: 1 });
    try {
      const s = await pool.acquire({ runId: 'to-cancel', permission: 'can_view' });
      if (!s.ok) throw new Error(s.error.message);
      const running = s.value.runCell({ cellId: 'c', code: 'while (true) {}', inputs: {} });
      await new Promise((r) => setTimeout(r, 100));
      s.value.release();
      expect(await running).toMatchObject({ ok: false, error: { code: 'kernel.closed' } });
      // The kernel is free for the next run, whose isolate is fresh.
      expect(await runOnce(pool, 'return 7')).toMatchObject({ ok: true, value: { result: { value: 7 } } });
    } finally {
      await pool.close();
    }
  });
});

describe('closing the pool', () => {
  it('stops every kernel and fails waiting runs with kernel.closed', async () => {
    const { pool } = startTestPool({ size: 1 });
    const held = await pool.acquire({ runId: 'held', permission: 'can_view' });
    if (!held.ok) throw new Error(held.error.message);
    const waiting = pool.acquire({ runId: 'waiting', permission: 'can_view' });
    const pids = (await pool.memory()).kernels.map((k) => k.pid);
    expect(pids).toHaveLength(1);
    await pool.close();
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'kernel.closed' } });
    expect(await pool.acquire({ runId: 'late', permission: 'can_view' })).toMatchObject({
      ok: false,
      error: { code: 'kernel.closed' },
    });
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
