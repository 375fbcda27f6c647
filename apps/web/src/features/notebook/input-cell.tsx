import { type InputCell, InputConfig, type NotebookCell } from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { CellFrame, type CellFrameProps } from './cell-frame';
import { INPUT_TYPE_LABELS, inputOfType } from './input-labels';
import { useNotebook } from './notebook-store';

type InputCellViewProps = {
  projectId: string;
  cell: InputCell;
  cells: readonly NotebookCell[];
  editable: boolean;
  frame: Omit<CellFrameProps, 'cell' | 'children' | 'kindLabel' | 'stale'>;
};

const TYPES = Object.keys(INPUT_TYPE_LABELS) as (keyof typeof INPUT_TYPE_LABELS)[];

/** How an input is described to someone who may not change it. */
function describeInput(input: InputConfig): string {
  const type = INPUT_TYPE_LABELS[input.type];
  if (input.type === 'date_range') {
    return input.default ? `${type}, ${input.default.start} to ${input.default.end} by default` : type;
  }
  if (input.type === 'select' && input.options.from === 'cell')
    return `${type}, options from a query's column`;
  return input.default ? `${type}, “${input.default}” by default` : type;
}

/**
 * An input parameter: its type, its default and (for a select) where its options come from. The
 * value a run uses is chosen in the inputs bar above the notebook; SQL cells read it as `{{name}}`.
 */
export function InputCellView({ projectId, cell, cells, editable, frame }: InputCellViewProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<InputConfig>(cell.input);
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation(
    trpc.projects.updateCell.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ projectId }) }),
    }),
  );
  const changed = JSON.stringify(draft) !== JSON.stringify(cell.input);
  const sqlCellsAbove = cells.filter((other) => other.kind === 'sql' && other.position < cell.position);
  const usage =
    draft.type === 'date_range' ? `{{${cell.name}.start}} and {{${cell.name}.end}}` : `{{${cell.name}}}`;

  const submit = () => {
    // Blank lines are where the person was typing, not options.
    const cleaned: InputConfig =
      draft.type === 'select' && draft.options.from === 'list'
        ? {
            ...draft,
            options: {
              from: 'list',
              values: draft.options.values.map((v) => v.trim()).filter((v) => v !== ''),
            },
          }
        : draft;
    const parsed = InputConfig.safeParse(cleaned);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'This input is not complete');
      return;
    }
    setProblem(null);
    save.mutate({ projectId, cellId: cell.id, input: parsed.data });
  };

  return (
    <CellFrame {...frame} cell={cell} kindLabel="Input" stale={false}>
      {editable ? (
        <form
          className="input-config"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <div className="input-config-row">
            <label htmlFor={`${id}-type`}>Type</label>
            <select
              id={`${id}-type`}
              value={draft.type}
              onChange={(event) => setDraft(inputOfType(event.target.value as InputConfig['type'], draft))}
            >
              {TYPES.map((type) => (
                <option key={type} value={type}>
                  {INPUT_TYPE_LABELS[type]}
                </option>
              ))}
            </select>
            <DefaultField id={`${id}-default`} draft={draft} onChange={setDraft} />
          </div>
          {draft.type === 'select' ? (
            <SelectOptionsField
              id={`${id}-options`}
              draft={draft}
              sqlCells={sqlCellsAbove}
              onChange={setDraft}
            />
          ) : null}
          <div className="input-config-foot">
            <p className="muted small">
              SQL cells below read it as <code>{usage}</code>, always as a bound parameter.
            </p>
            <button
              type="submit"
              className="button"
              disabled={!changed || save.isPending}
              aria-busy={save.isPending}
            >
              {save.isPending ? <Spinner /> : null}
              Save input
            </button>
          </div>
          {problem ? (
            <p className="field-problem" role="alert">
              {problem}
            </p>
          ) : null}
          {save.error ? <ErrorMessage error={quarryErrorOf(save.error)} /> : null}
        </form>
      ) : (
        <p className="muted small">{describeInput(cell.input)}</p>
      )}
    </CellFrame>
  );
}

function DefaultField({
  id,
  draft,
  onChange,
}: {
  id: string;
  draft: InputConfig;
  onChange: (next: InputConfig) => void;
}) {
  switch (draft.type) {
    case 'text':
    case 'select':
    case 'number':
      return (
        <>
          <label htmlFor={id}>Default</label>
          <input
            id={id}
            type="text"
            inputMode={draft.type === 'number' ? 'decimal' : undefined}
            value={draft.default ?? ''}
            placeholder={draft.type === 'number' ? '42' : ''}
            onChange={(event) =>
              onChange(
                draft.type === 'text'
                  ? { ...draft, default: event.target.value }
                  : { ...draft, default: event.target.value === '' ? null : event.target.value },
              )
            }
          />
        </>
      );
    case 'date':
      return (
        <>
          <label htmlFor={id}>Default</label>
          <input
            id={id}
            type="date"
            value={draft.default ?? ''}
            onChange={(event) => onChange({ ...draft, default: event.target.value || null })}
          />
        </>
      );
    case 'date_range': {
      const start = draft.default?.start ?? '';
      const end = draft.default?.end ?? '';
      const set = (next: { start: string; end: string }) =>
        onChange({ ...draft, default: next.start && next.end ? next : null });
      return (
        <>
          <label htmlFor={`${id}-start`}>Default from</label>
          <input
            id={`${id}-start`}
            type="date"
            value={start}
            onChange={(event) => set({ start: event.target.value, end })}
          />
          <label htmlFor={`${id}-end`}>to</label>
          <input
            id={`${id}-end`}
            type="date"
            value={end}
            onChange={(event) => set({ start, end: event.target.value })}
          />
        </>
      );
    }
  }
}

function SelectOptionsField({
  id,
  draft,
  sqlCells,
  onChange,
}: {
  id: string;
  draft: Extract<InputConfig, { type: 'select' }>;
  sqlCells: readonly NotebookCell[];
  onChange: (next: InputConfig) => void;
}) {
  const { options } = draft;
  // The query's columns as its last run returned them, offered while typing the column's name.
  const result = useNotebook((state) =>
    options.from === 'cell' ? state.results[options.cellId] : undefined,
  );
  const columns = result?.columns ?? [];
  return (
    <fieldset className="input-options">
      <legend>Options</legend>
      <div className="input-config-row">
        <label htmlFor={`${id}-from`}>From</label>
        <select
          id={`${id}-from`}
          value={options.from}
          onChange={(event) =>
            onChange({
              ...draft,
              options:
                event.target.value === 'cell'
                  ? { from: 'cell', cellId: sqlCells[0]?.id ?? '', column: '' }
                  : { from: 'list', values: [] },
            })
          }
        >
          <option value="list">A list</option>
          <option value="cell" disabled={sqlCells.length === 0}>
            A query's column
          </option>
        </select>
        {options.from === 'cell' ? (
          <>
            <label htmlFor={`${id}-cell`}>Query</label>
            <select
              id={`${id}-cell`}
              value={options.cellId}
              onChange={(event) =>
                onChange({ ...draft, options: { ...options, cellId: event.target.value } })
              }
            >
              {sqlCells.map((cell) => (
                <option key={cell.id} value={cell.id}>
                  {cell.name}
                </option>
              ))}
            </select>
            <label htmlFor={`${id}-column`}>Column</label>
            <input
              id={`${id}-column`}
              type="text"
              list={columns.length > 0 ? `${id}-columns` : undefined}
              value={options.column}
              onChange={(event) =>
                onChange({ ...draft, options: { ...options, column: event.target.value } })
              }
            />
            {columns.length > 0 ? (
              <datalist id={`${id}-columns`}>
                {columns.map((column) => (
                  <option key={column.name} value={column.name} />
                ))}
              </datalist>
            ) : null}
          </>
        ) : null}
      </div>
      {options.from === 'list' ? (
        <>
          <label htmlFor={`${id}-values`} className="small">
            One option a line
          </label>
          <textarea
            id={`${id}-values`}
            className="input-option-values mono"
            rows={Math.min(8, Math.max(3, options.values.length + 1))}
            value={options.values.join('\n')}
            onChange={(event) =>
              onChange({ ...draft, options: { from: 'list', values: event.target.value.split('\n') } })
            }
          />
        </>
      ) : null}
    </fieldset>
  );
}
