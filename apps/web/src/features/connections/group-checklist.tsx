import type { GroupSummary } from '@quarry/contracts';
import { BUILT_IN_GROUP_LABELS } from '../../ui/labels';

type GroupChecklistProps = {
  /** Names the list for assistive technology: "Groups with access". */
  label: string;
  groups: readonly GroupSummary[];
  selected: readonly string[];
  onChange: (next: string[]) => void;
  /** Built-in groups to offer (all three unless told). */
  builtIn?: readonly string[];
  disabled?: boolean;
};

/** Groups to tick: the built-in ones first, then the workspace's custom groups by name. */
export function GroupChecklist({
  label,
  groups,
  selected,
  onChange,
  builtIn = Object.keys(BUILT_IN_GROUP_LABELS),
  disabled,
}: GroupChecklistProps) {
  const options = [
    ...builtIn.map((group) => ({ id: group, name: BUILT_IN_GROUP_LABELS[group] ?? group })),
    ...[...groups]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((group) => ({ id: group.id, name: group.name })),
  ];
  const toggle = (group: string, on: boolean) =>
    onChange(on ? [...selected.filter((id) => id !== group), group] : selected.filter((id) => id !== group));
  return (
    <ul className="group-checklist" aria-label={label}>
      {options.map((option) => (
        <li key={option.id}>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={selected.includes(option.id)}
              disabled={disabled}
              onChange={(event) => toggle(option.id, event.target.checked)}
            />
            {option.name}
          </label>
        </li>
      ))}
    </ul>
  );
}

/** A group id as people read it: a built-in group's name, a custom group's name, or the id. */
export const groupName = (groups: readonly GroupSummary[], id: string): string =>
  BUILT_IN_GROUP_LABELS[id] ?? groups.find((group) => group.id === id)?.name ?? id;
