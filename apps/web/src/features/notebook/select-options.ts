import type { InputConfig } from '@quarry/contracts';
import type { RunView } from '../runs/run-view';

const MAX_OPTIONS = 1000;

/**
 * A select input's options: its list, or the distinct values of a column in a SQL cell's latest
 * result, in the order they first appear (NULLs left out; at most 1,000). Null when the options come
 * from a cell that has no result yet.
 */
export function selectOptionsOf(
  input: Extract<InputConfig, { type: 'select' }>,
  results: Readonly<Record<string, RunView>>,
): string[] | null {
  if (input.options.from === 'list') return input.options.values;
  const { cellId, column } = input.options;
  const view = results[cellId];
  if (view?.phase !== 'done') return null;
  const index = view.columns.findIndex((candidate) => candidate.name === column);
  if (index === -1) return [];
  const seen = new Set<string>();
  for (const row of view.rows) {
    const value = row[index];
    if (value === null || value === undefined) continue;
    seen.add(String(value));
    if (seen.size >= MAX_OPTIONS) break;
  }
  return [...seen];
}
