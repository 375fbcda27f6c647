import type { Sql } from '@quarry/db';
import { RUN_EVENTS_CHANNEL, RUN_STATUS_NEWS } from '@quarry/results';

/**
 * What ended a wait: news of the run's status alone (a runner took it: no chunk is announced), any
 * other news (a chunk, its end), or none (the timeout or the signal).
 */
export type RunNews = 'status' | 'chunks' | 'none';

/**
 * One reader's watch on one run's notifications. A notification that arrives while the reader is
 * busy (reading the run and its chunks) is kept, so its next `wait` returns at once: without it, a
 * chunk committed between the reader's read and its wait waited for the fallback poll.
 */
export type RunWatch = {
  /**
   * Resolves at once when a notification came since the last wait, else at the next one, after
   * `timeoutMs`, or when `signal` aborts; with what news came.
   */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<RunNews>;
  close(): void;
};

export type RunNotifier = {
  /** Starts watching `runId`: notifications from now on count. Close the watch when done. */
  watch(runId: string): RunWatch;
  /**
   * A mark of what this process has heard so far: a run read after taking it is still as read
   * while `heardSince(runId, mark)` says no news of the run came since.
   */
  mark(): number;
  /** Whether news of `runId` may have come since `mark` (when unsure, yes). */
  heardSince(runId: string, mark: number): boolean;
  close(): Promise<void>;
};

/** Runs whose last news this process remembers; older ones count as heard at the latest forgotten. */
const REMEMBERED_RUNS = 10_000;

type Watcher = { news: RunNews; wake: (() => void) | null };

/** One LISTEN connection per API process, fanned out to every stream watching a run. */
export async function startRunNotifier(sql: Sql): Promise<RunNotifier> {
  const watchers = new Map<string, Set<Watcher>>();
  // Each notification's number, and the last one of each run heard lately (oldest first).
  let heard = 0;
  let forgottenUpTo = 0;
  const lastHeard = new Map<string, number>();
  const listener = await sql.listen(RUN_EVENTS_CHANNEL, (payload) => {
    const statusOnly = payload.endsWith(RUN_STATUS_NEWS);
    const runId = statusOnly ? payload.slice(0, -RUN_STATUS_NEWS.length) : payload;
    heard += 1;
    lastHeard.delete(runId);
    lastHeard.set(runId, heard);
    if (lastHeard.size > REMEMBERED_RUNS) {
      const [oldest] = lastHeard;
      if (oldest) {
        lastHeard.delete(oldest[0]);
        forgottenUpTo = oldest[1];
      }
    }
    for (const watcher of watchers.get(runId) ?? []) {
      // News of chunks outweighs news of a status, kept until the reader's next wait.
      if (watcher.news !== 'chunks') watcher.news = statusOnly ? 'status' : 'chunks';
      watcher.wake?.();
    }
  });
  return {
    watch(runId) {
      const watcher: Watcher = { news: 'none', wake: null };
      const set = watchers.get(runId) ?? new Set();
      watchers.set(runId, set);
      set.add(watcher);
      return {
        wait(timeoutMs, signal) {
          const take = (): RunNews => {
            const news = watcher.news;
            watcher.news = 'none';
            return news;
          };
          if (watcher.news !== 'none' || signal?.aborted) return Promise.resolve(take());
          return new Promise<RunNews>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', done);
              watcher.wake = null;
              resolve(take());
            };
            const timer = setTimeout(done, timeoutMs);
            signal?.addEventListener('abort', done, { once: true });
            watcher.wake = done;
          });
        },
        close() {
          watcher.wake?.();
          set.delete(watcher);
          if (!set.size && watchers.get(runId) === set) watchers.delete(runId);
        },
      };
    },
    mark: () => heard,
    heardSince: (runId, mark) => (lastHeard.get(runId) ?? forgottenUpTo) > mark,
    close: () => listener.unlisten(),
  };
}
