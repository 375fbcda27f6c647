import type { CellKind } from '@quarry/contracts';
import { DropdownMenu } from 'radix-ui';
import { useState } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';

export const CELL_KIND_LABELS: Record<CellKind, string> = {
  sql: 'SQL',
  js: 'JavaScript',
  input: 'Input',
  markdown: 'Text',
};

const KINDS: CellKind[] = ['sql', 'js', 'input', 'markdown'];

type AddCellMenuProps = {
  /** The cell the new one goes after; null for the top of the notebook. */
  afterCellId: string | null;
  /** Where it goes, in words: "at the top", "after orders". */
  where: string;
  onAdd: (kind: CellKind, afterCellId: string | null) => Promise<void>;
};

/** "+ Add cell" between cells: a SQL, JavaScript, input or text cell goes in at that place. */
export function AddCellMenu({ afterCellId, where, onAdd }: AddCellMenuProps) {
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  const add = async (kind: CellKind) => {
    setFailure(null);
    setPending(true);
    try {
      await onAdd(kind, afterCellId);
    } catch (error) {
      setFailure(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="add-cell" data-testid="add-cell">
      <DropdownMenu.Root>
        <DropdownMenu.Trigger
          className="button button-quiet add-cell-trigger"
          disabled={pending}
          aria-busy={pending}
        >
          {pending ? <Spinner /> : <span aria-hidden="true">+</span>}
          Add cell<span className="visually-hidden"> {where}</span>
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content className="menu" align="start" sideOffset={4}>
            {KINDS.map((kind) => (
              <DropdownMenu.Item key={kind} className="menu-item" onSelect={() => void add(kind)}>
                {CELL_KIND_LABELS[kind]}
              </DropdownMenu.Item>
            ))}
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
      {failure ? <ErrorMessage error={quarryErrorOf(failure)} /> : null}
    </div>
  );
}
