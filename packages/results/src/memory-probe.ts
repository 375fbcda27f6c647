import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { resultsDebugEnv } from './env';

/**
 * A debugging aid for the stream benches: with QUARRY_DEBUG_MEMORY set to a directory, each process
 * that loads the results store samples process.memoryUsage() every 20 ms and keeps, in
 * `<dir>/mem-<pid>.json`, the peak of each figure and the whole sample at the RSS peak (heap vs
 * Buffers vs the rest). Off (nothing runs) unless the variable is set.
 */
export function startMemoryProbe(dir = resultsDebugEnv.memoryDir): void {
  if (!dir) return;
  const mb = (n: number) => Math.round(n / 1048576);
  const peaks: Record<string, number> = {};
  let atPeak: Record<string, number> = {};
  let changed = false;
  /** Collections by kind (1 minor, 2 major, 4 incremental marking, 8 weak callbacks), counted. */
  const gcs: Record<string, number> = {};
  const file = join(dir, `mem-${process.pid}.json`);
  const sample = setInterval(() => {
    const usage = process.memoryUsage() as unknown as Record<string, number>;
    for (const [key, value] of Object.entries(usage)) {
      if (value > (peaks[key] ?? 0)) {
        peaks[key] = value;
        changed = true;
      }
    }
    if (usage.rss === peaks.rss) {
      atPeak = usage;
      for (const space of getHeapSpaceStatistics()) atPeak[space.space_name] = space.space_size;
    }
    for (const space of getHeapSpaceStatistics()) {
      const key = `max_${space.space_name}`;
      if (space.space_size > (peaks[key] ?? 0)) peaks[key] = space.space_size;
    }
  }, 20);
  const write = setInterval(() => {
    if (!changed) return;
    changed = false;
    const asMb = (o: Record<string, number>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, mb(v)]));
    writeFileSync(
      file,
      JSON.stringify({
        argv: process.argv.slice(1).join(' '),
        cwd: process.cwd(),
        peaks: asMb(peaks),
        atPeak: asMb(atPeak),
        gcs,
      }),
    );
  }, 500);
  sample.unref();
  write.unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = `gc_kind_${(entry as unknown as { detail: { kind: number } }).detail.kind}`;
      gcs[kind] = (gcs[kind] ?? 0) + 1;
      changed = true;
    }
  }).observe({ entryTypes: ['gc'] });
  if (resultsDebugEnv.allocations) profileAllocations(join(dir, `alloc-${process.pid}.json`));
}

/** Every allocation (kept or collected) by stack, sampled every 64 KiB, written every 5 s. */
function profileAllocations(file: string): void {
  void import('node:inspector').then(({ Session }) => {
    const session = new Session();
    session.connect();
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 65536,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const timer = setInterval(() => {
      session.post('HeapProfiler.getSamplingProfile', (error, result) => {
        if (!error) writeFileSync(file, JSON.stringify(result.profile));
      });
    }, 5000);
    timer.unref();
  });
}

// Started on load, so every process that uses the results store (runner, API) can be probed.
startMemoryProbe();
