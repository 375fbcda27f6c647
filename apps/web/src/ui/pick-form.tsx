import type { FormEvent } from 'react';
import { Spinner } from './spinner';

type PickFormProps = {
  /** The select's id. */
  id: string;
  /** The select's name for screen readers (the form shows only the placeholder). */
  label: string;
  /** The empty first option, e.g. "Add a member…". */
  placeholder: string;
  options: readonly { value: string; label: string }[];
  value: string;
  onChange: (value: string) => void;
  /** The button's name, e.g. "Add". */
  action: string;
  pending: boolean;
  /** Called with the chosen value; never while pending or with nothing chosen. */
  onPick: (value: string) => void;
};

/** Pick one from a list and add it: a select and its button, on one line. */
export function PickForm({
  id,
  label,
  placeholder,
  options,
  value,
  onChange,
  action,
  pending,
  onPick,
}: PickFormProps) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending || !value) return;
    onPick(value);
  };
  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <label className="visually-hidden" htmlFor={id}>
        {label}
      </label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{placeholder}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <button type="submit" className="button" disabled={!value || pending} aria-busy={pending}>
        {pending ? <Spinner /> : null}
        {action}
      </button>
    </form>
  );
}
