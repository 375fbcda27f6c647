import type { InputType, NotebookCell } from '@quarry/contracts';

/** A name a cell may read: an input (SQL and JS) or an earlier SQL or JS cell's result (JS). */
export type NameAbove = { name: string; kind: 'input' | 'sql' | 'js'; inputType: InputType | null };

/** The inputs and runnable cells above `cellId`, in order: what its text may refer to. */
export function namesAbove(cells: readonly NotebookCell[], cellId: string): NameAbove[] {
  const names: NameAbove[] = [];
  for (const cell of cells) {
    if (cell.id === cellId) break;
    if (cell.kind === 'input') names.push({ name: cell.name, kind: 'input', inputType: cell.input.type });
    else if (cell.kind === 'sql' || cell.kind === 'js')
      names.push({ name: cell.name, kind: cell.kind, inputType: null });
  }
  return names;
}

/** How a SQL cell writes an input: `{{name}}`, a date range by its ends. */
export function sqlReferencesTo(names: readonly NameAbove[]): { label: string; detail: string }[] {
  return names.flatMap((entry) => {
    if (entry.kind !== 'input') return [];
    if (entry.inputType === 'date_range') {
      return [
        { label: `{{${entry.name}.start}}`, detail: 'input, start of the range' },
        { label: `{{${entry.name}.end}}`, detail: 'input, end of the range' },
      ];
    }
    return [{ label: `{{${entry.name}}}`, detail: `${entry.inputType ?? ''} input`.trim() }];
  });
}
