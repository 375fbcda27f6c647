import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamPostgres } from './stream';

const ROWS = 1_000_000;
/**
 * Peak heap growth allowed while 1M rows stream to a slow reader. Held in full, the result is 1M
 * rows × 3 cells of JS strings and arrays, about 200 MB. Streamed through the cursor it is one
 * batch (1000 rows) plus garbage V8 has not collected yet: measured here 72 MB for 1M rows and
 * 83 MB for 2M (flat, not doubling), so 120 MB leaves collection its room and still fails a result
 * held whole.
 */
const HEAP_BOUND_BYTES = 120 * 1024 * 1024;

let warehouse: TestWarehouse;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 1 });
});
afterAll(() => warehouse?.drop());

describe('streaming a million PostgreSQL rows over TLS', () => {
  it('keeps memory bounded while the reader is slow, and delivers every row', async () => {
    const baseline = process.memoryUsage();
    let peakHeap = baseline.heapUsed;
    let peakRss = baseline.rss;
    let rows = 0;
    let batches = 0;
    let last = '';
    const started = Date.now();
    for await (const event of streamPostgres(
      { ...warehouse.settings, password: warehouse.reader.password },
      "select g, 'row-' || g || '-' || repeat('x', 20) as label, g * 1.5 as amount from generate_series(1, $1::int) g",
      [ROWS],
      { rowLimit: 2_000_000, batchSize: 1000, timeoutMs: 300_000, allow: LOOPBACK },
    )) {
      if (event.type === 'error') throw new Error(`${event.error.code}: ${event.error.message}`);
      if (event.type !== 'rows') continue;
      rows += event.rows.length;
      batches += 1;
      last = String(event.rows.at(-1)?.[0]);
      // A slow reader: every 50th batch it waits 20 ms, as a runner writing chunks would.
      if (batches % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
    }
    const heapGrowth = peakHeap - baseline.heapUsed;
    const rssGrowth = peakRss - baseline.rss;
    console.info(
      JSON.stringify({
        rows,
        seconds: (Date.now() - started) / 1000,
        heapGrowthMB: Math.round(heapGrowth / 1048576),
        rssGrowthMB: Math.round(rssGrowth / 1048576),
      }),
    );
    expect(rows).toBe(ROWS);
    expect(last).toBe(String(ROWS));
    expect(heapGrowth).toBeLessThan(HEAP_BOUND_BYTES);
    expect(rssGrowth).toBeLessThan(2 * HEAP_BOUND_BYTES);
  }, 300_000);
});
