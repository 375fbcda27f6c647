import type { InputValues, NotebookCell } from '@quarry/contracts';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { RunView } from '../runs/run-view';
import { useRunStream } from '../runs/use-run-stream';
import { runFingerprint } from './cell-graph';
import { graphCells, runInputs } from './graph-cells';
import { useNotebook, useNotebookStore } from './notebook-store';

const finished = (view: RunView) => view.phase === 'done' || view.phase === 'failed';

/**
 * Starts a cell's run. The notebook's input values go with it once useRunStream's `run` takes
 * them (StartRunInput.inputs); this is the one place that hands them over.
 */
function startRun(
  run: ReturnType<typeof useRunStream>['run'],
  source: string,
  inputs: InputValues,
  onStarted: () => void,
): Promise<void> {
  return run(source, onStarted, inputs);
}

/**
 * One runnable cell's run in the notebook: runs it with the notebook's current text and input
 * values, records what it ran with (for stale markers) and its result (for select inputs), and
 * registers it so Run all and Run downstream can run it in turn.
 */
export function useCellRun(input: {
  projectId: string;
  cell: NotebookCell;
  cells: readonly NotebookCell[];
  editable: boolean;
  onStarted: (source: string) => void;
}) {
  const { projectId, cell, cells, editable, onStarted } = input;
  const store = useNotebookStore();
  const { view, run, cancel } = useRunStream({ projectId, cellId: cell.id });
  const latest = useRef({ cells, onStarted });
  latest.current = { cells, onStarted };
  /** The run in progress: what it ran with, and who waits for its end. */
  const pending = useRef<{ fingerprint: string; sawBusy: boolean; resolve: (ok: boolean) => void } | null>(
    null,
  );

  useEffect(() => {
    const waiting = pending.current;
    if (!waiting) return;
    if (!finished(view)) {
      waiting.sawBusy = true;
      return;
    }
    if (!waiting.sawBusy) return;
    pending.current = null;
    const ok = view.phase === 'done';
    // A failed run replaced the cell's result with its error: there is no result left to call stale.
    store.recordRun(cell.id, ok ? waiting.fingerprint : null, view);
    waiting.resolve(ok);
  }, [view, store, cell.id]);

  const runCell = useCallback((): Promise<boolean> => {
    if (!editable) return Promise.resolve(false);
    const state = store.get();
    const { cells: now, onStarted: started } = latest.current;
    const current = now.find((candidate) => candidate.id === cell.id);
    const source = state.drafts[cell.id] ?? (current && 'source' in current ? current.source : '');
    const fingerprint = runFingerprint(graphCells(now, state.drafts), cell.id, state.inputValues);
    // Run again while running: the run in progress is cancelled on the server, not only left unread.
    const previous = pending.current;
    pending.current = null;
    previous?.resolve(false);
    const stopped = previous ? cancel() : Promise.resolve();
    return new Promise<boolean>((resolve) => {
      pending.current = { fingerprint, sawBusy: false, resolve };
      void stopped.then(() =>
        startRun(run, source, runInputs(now, state.inputValues), () => started(source)),
      );
    });
  }, [editable, store, cell.id, run, cancel]);

  const runner = useMemo(() => ({ run: runCell, cancel }), [runCell, cancel]);
  useEffect(() => store.register(cell.id, runner), [store, cell.id, runner]);

  // Stale: ran before, and an input it reads or a cell above it that it reads has changed since.
  const stale = useNotebook((state) => {
    const ranWith = state.ranWith[cell.id];
    if (ranWith === undefined) return false;
    return (
      runFingerprint(graphCells(latest.current.cells, state.drafts), cell.id, state.inputValues) !== ranWith
    );
  });

  return { view, run: runCell, cancel, stale };
}
