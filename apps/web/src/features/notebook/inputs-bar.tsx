import type { InputCell, InputConfig, InputValue, NotebookCell } from '@quarry/contracts';
import { useEffect, useId, useState } from 'react';
import { rerunAfterInputChange, upstreamLookup } from './graph-cells';
import { useNotebook, useNotebookStore } from './notebook-store';
import { selectOptionsOf } from './select-options';

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * The values the notebook runs with, one control per input cell, above the cells. Changing a value
 * re-runs the cells that read the input and already show a result (they would be stale otherwise);
 * cells not run yet wait for Run.
 */
export function InputsBar({ cells }: { cells: readonly NotebookCell[] }) {
  const inputs = cells.filter((cell): cell is InputCell => cell.kind === 'input');
  const store = useNotebookStore();
  if (inputs.length === 0) return null;

  const commit = (cell: InputCell, value: InputValue) => {
    const before = store.get().inputValues[cell.name] ?? null;
    if (JSON.stringify(before) === JSON.stringify(value)) return;
    store.setInputValue(cell.name, value);
    const state = store.get();
    const rerun = rerunAfterInputChange(cells, state, cell.id);
    if (rerun.length > 0) void store.runInOrder(rerun, upstreamLookup(cells, state.drafts));
  };

  return (
    <section className="inputs-bar" aria-label="Inputs" data-testid="inputs-bar">
      {inputs.map((cell) => (
        <InputControl key={cell.id} cell={cell} onCommit={(value) => commit(cell, value)} />
      ))}
    </section>
  );
}

function InputControl({ cell, onCommit }: { cell: InputCell; onCommit: (value: InputValue) => void }) {
  const id = useId();
  const chosen = useNotebook((state) => state.inputValues[cell.name]);
  const { input } = cell;
  const label = (
    <label htmlFor={id} className="input-control-label mono">
      {cell.name}
    </label>
  );

  switch (input.type) {
    case 'text':
    case 'number':
      return (
        <div className="input-control" data-input-name={cell.name}>
          {label}
          <TextValue
            id={id}
            numeric={input.type === 'number'}
            value={typeof chosen === 'string' ? chosen : (input.default ?? '')}
            onCommit={onCommit}
          />
        </div>
      );
    case 'date':
      return (
        <div className="input-control" data-input-name={cell.name}>
          {label}
          <input
            id={id}
            type="date"
            value={typeof chosen === 'string' ? chosen : (input.default ?? '')}
            onChange={(event) => onCommit(event.target.value || null)}
          />
        </div>
      );
    case 'date_range': {
      const range = chosen && typeof chosen === 'object' ? chosen : input.default;
      const start = range?.start ?? '';
      const end = range?.end ?? '';
      const set = (next: { start: string; end: string }) => {
        if (next.start && next.end && next.start <= next.end) onCommit(next);
      };
      return (
        <fieldset className="input-control input-control-range" data-input-name={cell.name}>
          <legend className="input-control-label mono">{cell.name}</legend>
          <label htmlFor={`${id}-start`} className="visually-hidden">
            {cell.name} from
          </label>
          <input
            id={`${id}-start`}
            type="date"
            value={start}
            onChange={(event) => set({ start: event.target.value, end })}
          />
          <span aria-hidden="true">–</span>
          <label htmlFor={`${id}-end`} className="visually-hidden">
            {cell.name} to
          </label>
          <input
            id={`${id}-end`}
            type="date"
            value={end}
            onChange={(event) => set({ start, end: event.target.value })}
          />
        </fieldset>
      );
    }
    case 'select':
      return (
        <div className="input-control" data-input-name={cell.name}>
          {label}
          <SelectValue
            id={id}
            input={input}
            value={typeof chosen === 'string' ? chosen : input.default}
            onCommit={onCommit}
          />
        </div>
      );
  }
}

/** Text and numbers: typed freely, used on Enter or on leaving the field; a number must read as one. */
function TextValue({
  id,
  numeric,
  value,
  onCommit,
}: {
  id: string;
  numeric: boolean;
  value: string;
  onCommit: (value: InputValue) => void;
}) {
  const [draft, setDraft] = useState(value);
  const [problem, setProblem] = useState(false);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (numeric && draft !== '' && !NUMBER.test(draft.trim())) {
      setProblem(true);
      return;
    }
    setProblem(false);
    onCommit(numeric ? draft.trim() || null : draft);
  };
  return (
    <>
      <input
        id={id}
        type="text"
        inputMode={numeric ? 'decimal' : undefined}
        value={draft}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            commit();
          }
        }}
      />
      {problem ? (
        <span className="input-control-problem" id={`${id}-problem`} role="alert">
          Write a number such as 42 or -1.5
        </span>
      ) : null}
    </>
  );
}

/** A select's options: its list, or a query's distinct values once that query has a result. */
function SelectValue({
  id,
  input,
  value,
  onCommit,
}: {
  id: string;
  input: Extract<InputConfig, { type: 'select' }>;
  value: string | null;
  onCommit: (value: InputValue) => void;
}) {
  const store = useNotebookStore();
  const results = useNotebook((state) => state.results);
  const batching = useNotebook((state) => state.batch !== null);
  const options = selectOptionsOf(input, results);
  const { options: from } = input;

  if (options === null && from.from === 'cell') {
    return (
      <button
        id={id}
        type="button"
        className="button"
        disabled={batching}
        onClick={() => void store.runInOrder([from.cellId])}
      >
        Load options
      </button>
    );
  }
  const offered = options ?? [];
  // A value no longer among the options (the query's result changed) is still shown, as chosen.
  const all = value !== null && !offered.includes(value) ? [value, ...offered] : offered;
  return (
    <select id={id} value={value ?? ''} onChange={(event) => onCommit(event.target.value || null)}>
      <option value="">{offered.length === 0 ? 'No options' : 'Choose…'}</option>
      {all.map((option) => (
        <option key={option} value={option}>
          {option}
        </option>
      ))}
    </select>
  );
}
