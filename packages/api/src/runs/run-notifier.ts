import type { Sql } from '@quarry/db';
import { RUN_EVENTS_CHANNEL } from '@quarry/results';

export type RunNotifier = {
  /** Resolves at the next notification for `runId`, after `timeoutMs`, or when `signal` aborts. */
  wait(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
};

/** One LISTEN connection per API process, fanned out to every stream waiting on a run. */
export async function startRunNotifier(sql: Sql): Promise<RunNotifier> {
  const waiters = new Map<string, Set<() => void>>();
  const listener = await sql.listen(RUN_EVENTS_CHANNEL, (runId) => {
    const set = waiters.get(runId);
    if (!set) return;
    waiters.delete(runId);
    for (const wake of set) wake();
  });
  return {
    wait(runId, timeoutMs, signal) {
      return new Promise<void>((resolve) => {
        const set = waiters.get(runId) ?? new Set();
        waiters.set(runId, set);
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          set.delete(done);
          if (!set.size && waiters.get(runId) === set) waiters.delete(runId);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal?.addEventListener('abort', done, { once: true });
        set.add(done);
      });
    },
    close: () => listener.unlisten(),
  };
}
