/**
 * The JS kernel pool, measured: kernel process start, a fresh isolate per run, a trivial cell, and
 * 100,000 rows × 7 fields into a cell and transformed back out (JSON text in, JSON text out, parsed
 * and validated on both sides), with the pool's memory. Run: `node --no-node-snapshot --import tsx
 * bench/kernels.ts`. Ends with one JSON line.
 */
import pino from 'pino';
import { createKernelPool, type KernelPool } from '../src/kernels/index';

const ROWS = 100_000;
const REPEATS = 5;
const SMALL_REPEATS = 30;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 1024 / 1024);

function orders(n: number) {
  const statuses = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];
  const regions = ['eu', 'us', 'apac', 'latam'];
  const rows: unknown[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    rows[i] = [
      i + 1,
      (i * 7919) % 50_000,
      statuses[i % statuses.length],
      ((i * 31) % 100_000) / 100,
      new Date(1_700_000_000_000 + i * 60_000).toISOString(),
      regions[i % regions.length],
      `order note ${i}`,
    ];
  }
  return { columns: ['id', 'customer_id', 'status', 'amount', 'created_at', 'region', 'note'], rows };
}

async function waitForIdle(pool: KernelPool, size: number) {
  while (pool.stats().idle < size) await new Promise((r) => setTimeout(r, 5));
}

async function main() {
  const size = 2;
  const t0 = performance.now();
  const pool = createKernelPool({
    log: pino({ level: 'warn' }),
    size,
    limits: { cpuMs: 30_000, wallMs: 60_000, memoryMb: 512 },
  });
  await waitForIdle(pool, size);
  const poolStartMs = performance.now() - t0;
  const idleMemory = await pool.memory();

  const isolateStart: number[] = [];
  const acquire: number[] = [];
  const trivial: number[] = [];
  for (let i = 0; i < SMALL_REPEATS; i++) {
    const a0 = performance.now();
    const s = await pool.acquire({ runId: `bench-${i}`, permission: 'can_view' });
    if (!s.ok) throw new Error(s.error.message);
    acquire.push(performance.now() - a0);
    isolateStart.push(s.value.startMs);
    const c0 = performance.now();
    const r = await s.value.runCell({ cellId: 'c', code: 'return 1 + 1', inputs: {} });
    if (!r.ok) throw new Error(r.error.message);
    trivial.push(performance.now() - c0);
    s.value.release();
  }

  const input = orders(ROWS);
  const code =
    'return orders.rows.map(([id, customer_id, status, amount, created_at, region, note]) => ({ id, customer_id, status, amount: amount * 2, created_at, region, note }));';
  const inOut: number[] = [];
  const inIsolate: number[] = [];
  let peakPool = idleMemory.totalBytes;
  let peakRunner = process.memoryUsage.rss();
  for (let i = 0; i < REPEATS; i++) {
    const s = await pool.acquire({ runId: `rows-${i}`, permission: 'can_view' });
    if (!s.ok) throw new Error(s.error.message);
    const sampler = setInterval(async () => {
      peakPool = Math.max(peakPool, (await pool.memory()).totalBytes);
      peakRunner = Math.max(peakRunner, process.memoryUsage.rss());
    }, 20);
    const c0 = performance.now();
    const r = await s.value.runCell({ cellId: 'rows', code, inputs: { orders: input } });
    inOut.push(performance.now() - c0);
    clearInterval(sampler);
    s.value.release();
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    if (r.value.result.kind !== 'table' || r.value.result.rows.length !== ROWS)
      throw new Error('wrong result');
    inIsolate.push(r.value.wallMs);
  }
  // The same transform in this process, with no copy in or out: what the isolation costs.
  const inNode: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const n0 = performance.now();
    const out = input.rows.map(([id, customer_id, status, amount, created_at, region, note]) => ({
      id,
      customer_id,
      status,
      amount: (amount as number) * 2,
      created_at,
      region,
      note,
    }));
    if (out.length !== ROWS) throw new Error('wrong result');
    inNode.push(performance.now() - n0);
  }
  const afterMemory = await pool.memory();
  await pool.close();

  const summary = {
    bench: 'kernels',
    pool_size: size,
    pool_start_ms: round(poolStartMs),
    isolate_start_ms: round(median(isolateStart), 2),
    acquire_ms: round(median(acquire), 2),
    trivial_cell_ms: round(median(trivial), 2),
    rows: ROWS,
    fields: 7,
    rows_in_out_ms: round(median(inOut)),
    rows_in_isolate_ms: round(median(inIsolate)),
    rows_per_s: Math.round(ROWS / (median(inOut) / 1000)),
    same_in_node_ms: round(median(inNode)),
    pool_rss_idle_mb: mb(idleMemory.totalBytes),
    pool_rss_peak_mb: mb(peakPool),
    pool_rss_after_mb: mb(afterMemory.totalBytes),
    runner_rss_peak_mb: mb(peakRunner),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

await main();
