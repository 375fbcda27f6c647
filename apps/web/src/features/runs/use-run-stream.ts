import type { InputValues } from '@quarry/contracts';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { trpc, trpcClient } from '../../trpc';
import { quarryErrorOf } from '../../ui/quarry-error';
import { applyRunEvent, failedRun, IDLE_RUN, queuedRun, type RunView } from './run-view';

const STREAM_ENDED = {
  code: 'client.stream_ended',
  message: 'The result stream ended before the run finished',
  hint: 'Run the cell again',
};

/**
 * Rows a cell's run may return before it is cut (and marked truncated). The table draws only the
 * rows in view, so this is bounded by what a browser tab holds comfortably, not by drawing; the
 * runner's byte limits still stop a result too big to carry.
 */
export const CELL_ROW_LIMIT = 100_000;

/**
 * Runs one SQL cell and follows its result stream. Events land in a ref as they arrive and reach
 * React at most once per animation frame, so a fast stream of row chunks costs one render a frame.
 * Running again aborts the stream still open.
 */
export function useRunStream(input: { projectId: string; cellId: string }) {
  const { projectId, cellId } = input;
  const [view, setView] = useState<RunView>(IDLE_RUN);
  const live = useRef<RunView>(IDLE_RUN);
  const frame = useRef<number | null>(null);
  const stream = useRef<AbortController | null>(null);
  const start = useMutation(trpc.runs.start.mutationOptions());
  const startRun = start.mutateAsync;
  const cancelMutation = useMutation(trpc.runs.cancel.mutationOptions());
  const cancelRun = cancelMutation.mutateAsync;
  /** The run the open stream follows, once runs.start has answered. */
  const runId = useRef<string | null>(null);

  const flushNow = useCallback(() => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
    setView(live.current);
  }, []);

  const flushSoon = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      setView(live.current);
    });
  }, []);

  useEffect(
    () => () => {
      stream.current?.abort();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const run = useCallback(
    async (source: string, onStarted?: () => void, inputs: InputValues = {}) => {
      stream.current?.abort();
      const controller = new AbortController();
      stream.current = controller;
      const isCurrent = () => stream.current === controller && !controller.signal.aborted;
      live.current = queuedRun(source);
      flushNow();
      let polling: ReturnType<typeof setInterval> | null = null;
      try {
        const summary = await startRun({ projectId, cellId, source, inputs, rowLimit: CELL_ROW_LIMIT });
        onStarted?.();
        if (!isCurrent()) return;
        runId.current = summary.id;
        live.current = { ...live.current, queuePosition: summary.queuePosition };
        flushNow();
        // While it waits, its place in line (runs.get); the running status clears it.
        polling = setInterval(() => {
          if (!isCurrent() || live.current.phase !== 'queued') return;
          trpcClient.runs.get.query({ runId: summary.id }).then(
            (now) => {
              if (!isCurrent() || live.current.phase !== 'queued') return;
              live.current = { ...live.current, queuePosition: now.queuePosition };
              flushSoon();
            },
            () => undefined,
          );
        }, 1000);
        if (summary.status === 'failed' || summary.status === 'cancelled') {
          live.current = failedRun(live.current, summary.error ?? STREAM_ENDED);
          flushNow();
          return;
        }
        const events = await trpcClient.runs.events.query(
          { runId: summary.id },
          { signal: controller.signal },
        );
        for await (const event of events) {
          if (!isCurrent()) return;
          live.current = applyRunEvent(live.current, event);
          if (event.type === 'done' || event.type === 'error') {
            flushNow();
            return;
          }
          flushSoon();
        }
        if (!isCurrent()) return;
        live.current = failedRun(live.current, STREAM_ENDED);
        flushNow();
      } catch (error) {
        if (!isCurrent()) return;
        live.current = failedRun(live.current, quarryErrorOf(error));
        flushNow();
      } finally {
        if (polling !== null) clearInterval(polling);
        if (stream.current === controller) {
          stream.current = null;
          runId.current = null;
        }
      }
    },
    [projectId, cellId, startRun, flushNow, flushSoon],
  );

  /**
   * Stops the run on the server (runs.cancel), not only the reading: the stream then ends with the
   * run's `run.cancelled` error, which the cell shows. A cancel refused (the run just finished) is
   * shown the same way as any error.
   */
  const cancel = useCallback(async () => {
    const id = runId.current;
    if (!id) return;
    try {
      await cancelRun({ runId: id });
    } catch (error) {
      live.current = failedRun(live.current, quarryErrorOf(error));
      flushNow();
    }
  }, [cancelRun, flushNow]);

  return { view, run, cancel };
}
