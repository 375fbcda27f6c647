import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamMysql } from './stream';
import { createMysqlTestDatabase, loopbackContext, type MysqlTestDatabase, mysqlTestUrl } from './testing';

const url = mysqlTestUrl(process.env);
let db: MysqlTestDatabase;

const ROWS = 1_000_000;
/**
 * Peak heap growth allowed while 1M rows stream to a slow reader. Held in full, the result is
 * about 1M rows × 3 cells of JS strings and arrays: well over 150 MB. Streamed, it is one batch
 * (1000 rows, ~100 kB) plus the socket's buffers and the garbage not yet collected; 64 MB leaves
 * V8's young generation and lazy collection their room and still fails a loaded result.
 */
const HEAP_BOUND_BYTES = 64 * 1024 * 1024;

beforeAll(async () => {
  if (!url) return;
  db = await createMysqlTestDatabase(url);
});

afterAll(async () => {
  await db?.drop();
});

describe.skipIf(!url)('streaming a million rows', () => {
  it('keeps memory bounded while the reader is slow, and delivers every row', async () => {
    const baseline = process.memoryUsage();
    let peakHeap = baseline.heapUsed;
    let peakRss = baseline.rss;
    let rows = 0;
    let batches = 0;
    let last = '';
    const started = Date.now();
    for await (const event of streamMysql(
      db.config,
      {
        sql: "SELECT seq, CONCAT('row-', seq, '-', REPEAT('x', 20)) AS label, seq * 1.5 AS amount FROM seq_1_to_1000000",
        params: [],
        rowLimit: 2_000_000,
        batchSize: 1000,
      },
      loopbackContext({ timeoutMs: 300_000 }),
    )) {
      if (event.type === 'error') throw new Error(`${event.error.code}: ${event.error.message}`);
      if (event.type !== 'rows') continue;
      rows += event.rows.length;
      batches += 1;
      last = String(event.rows.at(-1)?.[0]);
      // A slow reader: every 50th batch it waits 20 ms, as a runner writing to storage would.
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
