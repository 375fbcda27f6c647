import type { Result } from '@quarry/contracts';
import { observingLogStream } from '@quarry/leak-scan';
import pino from 'pino';
import { expect } from 'vitest';
import type { KernelError } from '../kernel-errors';
import {
  type AcquireInput,
  type CellRunOutput,
  createKernelPool,
  type KernelPool,
  type KernelPoolOptions,
} from '../kernel-pool';

/** A real pool whose log lines are kept (and handed to the leak scan). */
export function startTestPool(options: Partial<KernelPoolOptions> = {}): {
  pool: KernelPool;
  logLines: string[];
} {
  const logLines: string[] = [];
  const log = pino(
    { level: 'debug' },
    observingLogStream('kernel-pool', (line) => logLines.push(line)),
  );
  return { pool: createKernelPool({ log, size: 2, ...options }), logLines };
}

/** Runs one cell as a run of its own: acquire, run, release. */
export async function runOnce(
  pool: KernelPool,
  code: string,
  inputs: Record<string, unknown> = {},
  acquire: Partial<AcquireInput> = {},
): Promise<Result<CellRunOutput, KernelError>> {
  const session = await pool.acquire({
    runId: `run-${Math.random().toString(36).slice(2)}`,
    permission: 'can_view',
    ...acquire,
  });
  if (!session.ok) return session;
  try {
    return await session.value.runCell({ cellId: 'cell-1', code, inputs });
  } finally {
    session.value.release();
  }
}

/** A well-behaved run whose answer is known: the sum of a column of 5,000 rows. */
export async function expectNeighbourServed(pool: KernelPool): Promise<void> {
  const rows = Array.from({ length: 5000 }, (_, i) => [i, `name-${i}`]);
  const r = await runOnce(pool, 'return orders.rows.reduce((sum, row) => sum + row[0], 0)', {
    orders: { columns: ['id', 'name'], rows },
  });
  // Its refusal in full when it was refused: the match below would print only that it was not ok.
  if (!r.ok) expect.fail(`the neighbour run was refused: ${JSON.stringify(r.error)}`);
  expect(r).toMatchObject({ ok: true, value: { result: { kind: 'value', value: (4999 * 5000) / 2 } } });
}

/**
 * The longest pause this process's event loop may show while a hostile cell runs for seconds: it
 * must keep serving. Generous, because the machine running the tests is often loaded (a stall can
 * come from other processes taking the cores); `MAX_HOST_CPU_MS` is the load-proof half of the check.
 */
export const MAX_STALL_MS = 3000;

/**
 * The CPU time this process may spend while a hostile cell runs: the cell's own work (up to its CPU
 * limit, a second or more) belongs to a kernel process. Unlike a stall, CPU time spent here does
 * not grow when other processes load the machine.
 */
export const MAX_HOST_CPU_MS = 600;

/**
 * The test process's event loop keeps turning, and does not do the cell's work: the longest gap
 * between 10 ms ticks, and the CPU time this process (every thread of it) spent while `work` ran.
 */
export async function longestStall<T>(
  work: Promise<T>,
): Promise<{ value: T; stallMs: number; hostCpuMs: number }> {
  let last = performance.now();
  let worst = 0;
  const cpu = process.cpuUsage();
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  try {
    const value = await work;
    const spent = process.cpuUsage(cpu);
    const hostCpuMs = (spent.user + spent.system) / 1000;
    return { value, stallMs: worst, hostCpuMs };
  } finally {
    clearInterval(tick);
  }
}

/** Waits until the pool is back to full strength with every kernel free. */
export async function expectRecovered(pool: KernelPool, size: number): Promise<void> {
  await expect
    .poll(() => pool.stats(), { timeout: 20_000, interval: 50 })
    .toMatchObject({ size, idle: size, busy: 0, starting: 0 });
}
