import { type ReactNode, useId } from 'react';
import { Spinner } from './spinner';

type SwitchProps = {
  label: string;
  help: ReactNode;
  checked: boolean;
  busy: boolean;
  onChange: (checked: boolean) => void;
};

/**
 * An on/off setting that takes effect at once: the label says what it allows, the help what
 * happens when it is off; busy while the server has not answered.
 */
export function Switch({ label, help, checked, busy, onChange }: SwitchProps) {
  const id = useId();
  return (
    <div className="switch-row">
      <input
        id={id}
        type="checkbox"
        role="switch"
        aria-checked={checked}
        className="switch"
        checked={checked}
        disabled={busy}
        aria-busy={busy}
        aria-describedby={`${id}-help`}
        onChange={(event) => onChange(event.target.checked)}
      />
      <div>
        <label htmlFor={id}>
          {label} {busy ? <Spinner /> : null}
        </label>
        <p className="field-help muted" id={`${id}-help`}>
          {help}
        </p>
      </div>
    </div>
  );
}
