import { type CellConnectionNote, InputConfig, type NotebookCell } from '@quarry/contracts';
import type { cells } from '@quarry/db/schema';

/** What of a stored cell the notebook shows and plans from. */
export type NotebookCellRow = Pick<
  typeof cells.$inferSelect,
  'id' | 'name' | 'position' | 'kind' | 'config' | 'connectionId' | 'source'
>;

/** A text input with no default: what an input whose stored config no longer parses shows. */
const FALLBACK_INPUT: InputConfig = { type: 'text', default: '' };

/** A stored cell as the notebook shows it, by kind; a kind the contract does not know reads as SQL. */
export function toNotebookCell(
  row: NotebookCellRow,
  connectionNote: CellConnectionNote | null,
): NotebookCell {
  const header = { id: row.id, name: row.name, position: row.position };
  switch (row.kind) {
    case 'js':
      return { ...header, kind: 'js', source: row.source };
    case 'markdown':
      return { ...header, kind: 'markdown', source: row.source };
    case 'input': {
      const parsed = InputConfig.safeParse(row.config);
      return { ...header, kind: 'input', input: parsed.success ? parsed.data : FALLBACK_INPUT };
    }
    default:
      return {
        ...header,
        kind: 'sql',
        connectionId: row.connectionId,
        source: row.source,
        connectionNote,
      };
  }
}
