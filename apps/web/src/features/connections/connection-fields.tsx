import type { ConnectorField, ConnectorKindInfo, QuarryError } from '@quarry/contracts';
import { ErrorMessage } from '../../ui/error-message';
import { SECTIONS, STORED_SECRET_PLACEHOLDER } from './connection-labels';
import type { FieldValues } from './connection-values';

type ConnectionFieldsProps = {
  /** Prefix for the inputs' ids (a `useId()` of the form). */
  id: string;
  kind: ConnectorKindInfo;
  values: FieldValues;
  onChange: (name: string, value: string) => void;
  /** Secret fields that hold a stored value: blank keeps it. */
  storedSecrets: readonly string[];
  errorFor: (name: string) => QuarryError | null;
};

type FieldProps = Omit<ConnectionFieldsProps, 'kind'> & {
  field: ConnectorField;
  /** The section's title says it already (a lone "SSL/TLS" field under "SSL/TLS"): label it for screen readers only. */
  labelHidden: boolean;
};

function FieldInput({ id, field, labelHidden, values, onChange, storedSecrets, errorFor }: FieldProps) {
  const inputId = `${id}-${field.name}`;
  const error = errorFor(field.name);
  const describedBy = [field.help ? `${inputId}-help` : null, error ? `${inputId}-error` : null]
    .filter(Boolean)
    .join(' ');
  const common = {
    id: inputId,
    name: field.name,
    value: values[field.name] ?? '',
    required: field.required,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
    onChange: (event: { target: { value: string } }) => onChange(field.name, event.target.value),
  };
  const stored = storedSecrets.includes(field.name);
  return (
    <div className="field" data-field={field.name}>
      <label htmlFor={inputId} className={labelHidden ? 'visually-hidden' : undefined}>
        {field.label}
      </label>
      {field.input === 'select' ? (
        <select {...common}>
          {field.required ? null : <option value="">Default</option>}
          {field.options?.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ) : field.input === 'textarea' ? (
        <textarea {...common} className="mono" rows={4} spellCheck={false} placeholder={field.placeholder} />
      ) : field.input === 'secret_textarea' ? (
        <textarea
          {...common}
          className="mono secret-text"
          rows={4}
          spellCheck={false}
          autoComplete="off"
          placeholder={stored ? STORED_SECRET_PLACEHOLDER : field.placeholder}
        />
      ) : field.input === 'secret' ? (
        <input
          {...common}
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          placeholder={stored ? STORED_SECRET_PLACEHOLDER : field.placeholder}
        />
      ) : field.input === 'switch' ? (
        <input
          id={inputId}
          name={field.name}
          type="checkbox"
          role="switch"
          className="switch"
          checked={values[field.name] === 'true'}
          aria-checked={values[field.name] === 'true'}
          aria-describedby={describedBy || undefined}
          onChange={(event) => onChange(field.name, event.target.checked ? 'true' : 'false')}
        />
      ) : field.input === 'integer' ? (
        <input
          {...common}
          type="number"
          inputMode="numeric"
          step={1}
          min={field.min}
          max={field.max}
          placeholder={field.placeholder}
        />
      ) : (
        <input
          {...common}
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder={field.placeholder}
        />
      )}
      {field.help ? (
        <p className="field-help muted" id={`${inputId}-help`}>
          {field.help}
        </p>
      ) : null}
      {error ? <ErrorMessage error={error} id={`${inputId}-error`} /> : null}
    </div>
  );
}

/**
 * A kind's fields, drawn from what the kind declares (`connections.kinds`): the form knows no
 * database. Sections in the seed's order: Connection, Credentials, SSL/TLS.
 */
export function ConnectionFields({ kind, ...rest }: ConnectionFieldsProps) {
  return (
    <>
      {SECTIONS.map(({ section, title }) => {
        const fields = kind.fields.filter((field) => field.section === section);
        if (fields.length === 0) return null;
        return (
          <fieldset key={section} className="connection-section" data-section={section}>
            <legend>{title}</legend>
            <div className="connection-section-fields">
              {fields.map((field) => (
                <FieldInput
                  key={field.name}
                  field={field}
                  labelHidden={fields.length === 1 && field.label === title}
                  {...rest}
                />
              ))}
            </div>
          </fieldset>
        );
      })}
    </>
  );
}
