import { RefreshCadence } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Tabs } from 'radix-ui';
import { type FormEvent, useId, useState } from 'react';
import { ErrorMessage } from '../../ui/error-message';
import { invalidFieldOf, quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { SubmitButton } from '../../ui/submit-button';
import { useToast } from '../../ui/toast';
import { useWorkspaceCan } from '../auth/workspace-capabilities';
import { SCHEMA_KEY, schemaMutations, schemaQueries } from './schema-api';
import {
  blankRule,
  type FieldErrors,
  fieldOfPath,
  RULE_PARTS,
  type RuleList,
  type RulePart,
  type RuleRow,
  type SettingsValues,
  validate,
  valuesOf,
} from './schema-settings-values';
import './schema-browser.css';

/** The tab's value in the connection dialog's tabs. */
export const SCHEMA_TAB = 'schema';

const CADENCE_LABELS: Readonly<Record<RefreshCadence, string>> = {
  off: 'Off (manual refresh only)',
  hourly: 'Every hour',
  daily: 'Every day',
  weekly: 'Every week',
};

const PART_LABELS: Readonly<Record<RulePart, string>> = {
  database: 'Database',
  schema: 'Schema',
  table: 'Table',
};

/** The Schema tab's trigger, for Admins (who manage connections); nothing for anyone else. */
export function SchemaSettingsTrigger() {
  const can = useWorkspaceCan();
  if (!can?.manageConnections) return null;
  return (
    <Tabs.Trigger className="tab" value={SCHEMA_TAB}>
      Schema
    </Tabs.Trigger>
  );
}

/** The Schema tab's panel: the refresh cadence and the schema filter of one connection. */
export function SchemaSettingsPanel({ connectionId }: { connectionId: string }) {
  const can = useWorkspaceCan();
  if (!can?.manageConnections) return null;
  return (
    <Tabs.Content value={SCHEMA_TAB} className="tab-panel">
      <SchemaSettingsForm connectionId={connectionId} />
    </Tabs.Content>
  );
}

function SchemaSettingsForm({ connectionId }: { connectionId: string }) {
  const settings = useQuery(schemaQueries.settings(connectionId));
  return (
    <QueryState query={settings} loading="Loading the schema settings…">
      {(data) => (
        <SettingsForm
          key={data.connectionId}
          connectionId={connectionId}
          initial={valuesOf(data)}
          scheduleAvailable={data.scheduleAvailable}
        />
      )}
    </QueryState>
  );
}

type SettingsFormProps = { connectionId: string; initial: SettingsValues; scheduleAvailable: boolean };

function SettingsForm({ connectionId, initial, scheduleAvailable }: SettingsFormProps) {
  const id = useId();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useMutation({
    mutationFn: schemaMutations.updateSettings,
    onSuccess: async (saved) => {
      setValues(valuesOf(saved));
      toast('Schema settings saved');
      // The filter changes what the browser shows: every schema answer is read again.
      await queryClient.invalidateQueries({ queryKey: SCHEMA_KEY });
    },
    onError: (error) => {
      const path = invalidFieldOf(quarryErrorOf(error));
      if (path) setErrors({ [fieldOfPath(path)]: quarryErrorOf(error).message });
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(connectionId, values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    save.mutate(checked.input);
  };

  const setRule = (list: RuleList, key: number, part: RulePart, value: string) =>
    setValues((current) => ({
      ...current,
      [list]: current[list].map((row) => (row.key === key ? { ...row, [part]: value } : row)),
    }));
  const addRule = (list: RuleList) =>
    setValues((current) => ({ ...current, [list]: [...current[list], blankRule()] }));
  const removeRule = (list: RuleList, key: number) =>
    setValues((current) => ({ ...current, [list]: current[list].filter((row) => row.key !== key) }));

  const saveError = save.error ? quarryErrorOf(save.error) : null;
  return (
    <form className="schema-settings" aria-label="Schema settings" onSubmit={onSubmit} noValidate>
      <fieldset>
        <legend>Scheduled refresh</legend>
        <label htmlFor={`${id}-cadence`}>Refresh the schema</label>
        <select
          id={`${id}-cadence`}
          value={scheduleAvailable ? values.cadence : 'off'}
          disabled={!scheduleAvailable}
          aria-describedby={`${id}-cadence-help`}
          aria-invalid={errors.cadence ? true : undefined}
          onChange={(event) => {
            const cadence = RefreshCadence.safeParse(event.target.value);
            if (cadence.success) setValues((current) => ({ ...current, cadence: cadence.data }));
          }}
        >
          {RefreshCadence.options.map((cadence) => (
            <option key={cadence} value={cadence}>
              {CADENCE_LABELS[cadence]}
            </option>
          ))}
        </select>
        <p className="field-help muted" id={`${id}-cadence-help`}>
          {scheduleAvailable
            ? 'A scheduled refresh reads the whole schema of the warehouse (less what the filter below skips): weigh its load and query cost when picking how often.'
            : 'Scheduled refresh is for workspace connections only: a project connection belongs to one project and is refreshed from that project’s data browser.'}
        </p>
        <FieldError message={errors.cadence} />
      </fieldset>
      <RuleFieldset
        list="include"
        legend="Show only"
        help="Leave empty to show everything. With rules, the browser shows what matches at least one. * matches any run of characters; names match whatever their case; a blank part matches any name."
        rows={values.include}
        errors={errors}
        onChange={setRule}
        onAdd={addRule}
        onRemove={removeRule}
      />
      <RuleFieldset
        list="exclude"
        legend="Hide"
        help="What matches any of these is hidden and skipped by refresh. Hidden tables stay queryable by everyone with Can query: filtering is not a permission."
        rows={values.exclude}
        errors={errors}
        onChange={setRule}
        onAdd={addRule}
        onRemove={removeRule}
      />
      <p className="field-help muted">Saving a changed filter refreshes the schema at once.</p>
      <FieldError message={errors.form} />
      {saveError && !invalidFieldOf(saveError) ? <ErrorMessage error={saveError} /> : null}
      <SubmitButton pending={save.isPending}>Save schema settings</SubmitButton>
    </form>
  );
}

type RuleFieldsetProps = {
  list: RuleList;
  legend: string;
  help: string;
  rows: RuleRow[];
  errors: FieldErrors;
  onChange: (list: RuleList, key: number, part: RulePart, value: string) => void;
  onAdd: (list: RuleList) => void;
  onRemove: (list: RuleList, key: number) => void;
};

function RuleFieldset({ list, legend, help, rows, errors, onChange, onAdd, onRemove }: RuleFieldsetProps) {
  const id = useId();
  return (
    <fieldset data-testid={`schema-rules-${list}`}>
      <legend>{legend}</legend>
      <p className="field-help muted">{help}</p>
      {rows.length > 0 ? (
        <div className="schema-rules">
          {rows.map((row, index) => (
            <div key={row.key} className="schema-rule" data-testid="schema-rule">
              {RULE_PARTS.map((part) => {
                const field = `${list}.${index}.${part}`;
                return (
                  <div key={part}>
                    <label htmlFor={`${id}-${row.key}-${part}`}>{PART_LABELS[part]}</label>
                    <input
                      id={`${id}-${row.key}-${part}`}
                      type="text"
                      value={row[part]}
                      placeholder="any"
                      maxLength={200}
                      aria-invalid={errors[field] || errors[`${list}.${index}`] ? true : undefined}
                      aria-describedby={errors[field] ? `${id}-${row.key}-${part}-error` : undefined}
                      onChange={(event) => onChange(list, row.key, part, event.target.value)}
                    />
                    <FieldError id={`${id}-${row.key}-${part}-error`} message={errors[field]} />
                  </div>
                );
              })}
              <button
                type="button"
                className="button button-quiet"
                aria-label={`Remove ${legend.toLowerCase()} rule ${index + 1}`}
                onClick={() => onRemove(list, row.key)}
              >
                Remove
              </button>
              {errors[`${list}.${index}`] ? (
                <p className="schema-field-error" role="alert" style={{ gridColumn: '1 / -1' }}>
                  {errors[`${list}.${index}`]}
                </p>
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
      <FieldError message={errors[list]} />
      <button type="button" className="button" onClick={() => onAdd(list)}>
        + Add a rule
      </button>
    </fieldset>
  );
}

function FieldError({ id, message }: { id?: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="schema-field-error" role="alert" id={id}>
      {message}
    </p>
  );
}
