import type { Sql } from '@quarry/db';
import { RUN_EVENTS_CHANNEL } from '@quarry/results';

/**
 * One reader's watch on one run's notifications. A notification that arrives while the reader is
 * busy (reading the run and its chunks) is kept, so its next `wait` returns at once: without it, a
 * chunk committed between the reader's read and its wait waited for the fallback poll.
 */
export type RunWatch = {
  /** Resolves at once when a notification came since the last wait, else at the next one, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): void;
};

export type RunNotifier = {
  /** Starts watching `runId`: notifications from now on count. Close the watch when done. */
  watch(runId: string): RunWatch;
  close(): Promise<void>;
};

type Watcher = { notified: boolean; wake: (() => void) | null };

/** One LISTEN connection per API process, fanned out to every stream watching a run. */
export async function startRunNotifier(sql: Sql): Promise<RunNotifier> {
  const watchers = new Map<string, Set<Watcher>>();
  const listener = await sql.listen(RUN_EVENTS_CHANNEL, (runId) => {
    for (const watcher of watchers.get(runId) ?? []) {
      watcher.notified = true;
      watcher.wake?.();
    }
  });
  return {
    watch(runId) {
      const watcher: Watcher = { notified: false, wake: null };
      const set = watchers.get(runId) ?? new Set();
      watchers.set(runId, set);
      set.add(watcher);
      return {
        wait(timeoutMs, signal) {
          if (watcher.notified || signal?.aborted) {
            watcher.notified = false;
            return Promise.resolve();
          }
          return new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', done);
              watcher.wake = null;
              watcher.notified = false;
              resolve();
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
    close: () => listener.unlisten(),
  };
}
