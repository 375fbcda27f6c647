import type { Sql } from '@quarry/db';
import { RUN_CANCEL_CHANNEL } from '@quarry/queue';

export type RunCancellations = {
  /**
   * A signal that aborts when `runId` is cancelled, or when `parent` aborts (the job's own signal:
   * expiry, shutdown). Call `release` when the run ends.
   */
  watch(runId: string, parent: AbortSignal): { signal: AbortSignal; release: () => void };
  close(): Promise<void>;
};

/**
 * One LISTEN connection per runner, fanned out to the runs it holds: `runs.cancel` (and running a
 * cell again) notifies, and the run's signal aborts, which cancels its query on the server.
 */
export async function startRunCancellations(sql: Sql): Promise<RunCancellations> {
  const held = new Map<string, AbortController>();
  const listener = await sql.listen(RUN_CANCEL_CHANNEL, (runId) => held.get(runId)?.abort());
  return {
    watch(runId, parent) {
      const controller = new AbortController();
      held.set(runId, controller);
      return {
        signal: AbortSignal.any([parent, controller.signal]),
        release: () => {
          if (held.get(runId) === controller) held.delete(runId);
        },
      };
    },
    close: () => listener.unlisten(),
  };
}
