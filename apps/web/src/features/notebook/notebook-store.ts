import type { InputValue } from '@quarry/contracts';
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { RunView } from '../runs/run-view';

/** One runnable cell's controls, registered while the cell is on the page. */
export type CellRunner = {
  /** Runs the cell with the notebook's current text and input values; true when it succeeded. */
  run: () => Promise<boolean>;
  cancel: () => Promise<void>;
};

export type NotebookState = {
  /** A cell's text as it is in its editor now, saved or not, by cell id. */
  drafts: Readonly<Record<string, string>>;
  /** Input values chosen in the inputs bar, by input name; absent means the input's default. */
  inputValues: Readonly<Record<string, InputValue>>;
  /** The fingerprint (runFingerprint) each cell last ran with successfully, by cell id. */
  ranWith: Readonly<Record<string, string>>;
  /** Each runnable cell's latest finished run, by cell id (select inputs read their options here). */
  results: Readonly<Record<string, RunView>>;
  /** Run all / run downstream in progress: the cells in order, and the one running now. */
  batch: { cellIds: readonly string[]; current: string | null; cancelled: boolean } | null;
};

const EMPTY: NotebookState = { drafts: {}, inputValues: {}, ranWith: {}, results: {}, batch: null };

export type NotebookStore = ReturnType<typeof createNotebookStore>;

/**
 * The notebook's client state shared across its cells: what each editor holds now, the inputs'
 * values, what each cell last ran with, and the batch of runs in progress. A small external
 * store, so a keystroke in one cell re-renders only what reads that cell's draft.
 */
export function createNotebookStore() {
  let state = EMPTY;
  const listeners = new Set<() => void>();
  const runners = new Map<string, CellRunner>();

  const get = () => state;
  const set = (update: (current: NotebookState) => NotebookState) => {
    const next = update(state);
    if (next === state) return;
    state = next;
    for (const listener of listeners) listener();
  };
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  /**
   * Runs cells one after another, in the order given, each with the values current when it starts.
   * A cell that reads (through `upstreamOf`) one that failed in this batch is skipped: it would only
   * fail the same way. Cancelling stops the batch.
   */
  const runInOrder = async (
    cellIds: readonly string[],
    upstreamOf: (cellId: string) => readonly string[] = () => [],
  ): Promise<void> => {
    if (state.batch) return;
    set((current) => ({ ...current, batch: { cellIds, current: null, cancelled: false } }));
    const failed = new Set<string>();
    try {
      for (const id of cellIds) {
        if (get().batch?.cancelled) return;
        const runner = runners.get(id);
        if (!runner) continue;
        if (upstreamOf(id).some((upstream) => failed.has(upstream))) {
          failed.add(id);
          continue;
        }
        set((current) =>
          current.batch ? { ...current, batch: { ...current.batch, current: id } } : current,
        );
        if (!(await runner.run())) failed.add(id);
      }
    } finally {
      set((current) => ({ ...current, batch: null }));
    }
  };

  /** Stops a batch: the cell running now is cancelled on the server, the rest are not started. */
  const cancelBatch = async (): Promise<void> => {
    const batch = state.batch;
    if (!batch) return;
    set((current) =>
      current.batch ? { ...current, batch: { ...current.batch, cancelled: true } } : current,
    );
    if (batch.current) await runners.get(batch.current)?.cancel();
  };

  return {
    get,
    set,
    subscribe,
    runInOrder,
    cancelBatch,
    register(cellId: string, runner: CellRunner) {
      runners.set(cellId, runner);
      return () => {
        if (runners.get(cellId) === runner) runners.delete(cellId);
      };
    },
    runnerOf: (cellId: string) => runners.get(cellId),
    setDraft(cellId: string, source: string) {
      set((current) =>
        current.drafts[cellId] === source
          ? current
          : { ...current, drafts: { ...current.drafts, [cellId]: source } },
      );
    },
    /** An input renamed keeps the value chosen for it. */
    renameInput(from: string, to: string) {
      set((current) => {
        if (!(from in current.inputValues)) return current;
        const { [from]: value, ...rest } = current.inputValues;
        return value === undefined ? current : { ...current, inputValues: { ...rest, [to]: value } };
      });
    },
    setInputValue(name: string, value: InputValue) {
      set((current) => ({ ...current, inputValues: { ...current.inputValues, [name]: value } }));
    },
    recordRun(cellId: string, fingerprint: string | null, view: RunView) {
      set((current) => {
        const ranWith = { ...current.ranWith };
        if (fingerprint === null) delete ranWith[cellId];
        else ranWith[cellId] = fingerprint;
        return { ...current, ranWith, results: { ...current.results, [cellId]: view } };
      });
    },
  };
}

export const NotebookContext = createContext<NotebookStore | null>(null);

export function useNotebookStore(): NotebookStore {
  const store = useContext(NotebookContext);
  if (!store) throw new Error('useNotebookStore outside a notebook');
  return store;
}

/** A slice of the notebook's state; the component re-renders when that slice changes. */
export function useNotebook<T>(select: (state: NotebookState) => T): T {
  const store = useNotebookStore();
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}
