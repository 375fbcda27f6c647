import {
  type RefreshCadence,
  type SchemaFilterRule,
  type SchemaSettings,
  UpdateSchemaSettingsInput,
} from '@quarry/contracts';

export type RuleList = 'include' | 'exclude';
export type RulePart = 'database' | 'schema' | 'table';
export const RULE_PARTS: readonly RulePart[] = ['database', 'schema', 'table'];

/** A rule as the form holds it: every part a string, blank for "any". `key` keeps rows apart in React. */
export type RuleRow = { key: number; database: string; schema: string; table: string };

export type SettingsValues = { cadence: RefreshCadence; include: RuleRow[]; exclude: RuleRow[] };

let nextKey = 0;
export const blankRule = (): RuleRow => ({ key: nextKey++, database: '', schema: '', table: '' });

const toRow = (rule: SchemaFilterRule): RuleRow => ({
  key: nextKey++,
  database: rule.database ?? '',
  schema: rule.schema ?? '',
  table: rule.table ?? '',
});

export const valuesOf = (settings: SchemaSettings): SettingsValues => ({
  cadence: settings.cadence,
  include: settings.filter.include.map(toRow),
  exclude: settings.filter.exclude.map(toRow),
});

/** A row as the API takes it: a blank part is left out, since an absent part matches every name. */
function toRule(row: RuleRow): Record<RulePart, string | undefined> {
  const part = (value: string) => (value.trim() === '' ? undefined : value.trim());
  return { database: part(row.database), schema: part(row.schema), table: part(row.table) };
}

const withoutAbsent = (rule: Record<RulePart, string | undefined>) =>
  Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== undefined));

/** What `schema.updateSettings` gets from the form, before validation. */
export const inputOf = (connectionId: string, values: SettingsValues) => ({
  connectionId,
  cadence: values.cadence,
  filter: {
    include: values.include.map((row) => withoutAbsent(toRule(row))),
    exclude: values.exclude.map((row) => withoutAbsent(toRule(row))),
  },
});

/**
 * Where each message goes: `include.0.table` beside a pattern, `include.0` beside a whole rule
 * (one that names no part), `include` beside a list (too many rules), `cadence`, or `form`.
 */
export type FieldErrors = Record<string, string>;

/** The field a validation path (`filter.include.0.table`, as zod and the API's `details.path` give it) belongs to. */
export function fieldOfPath(path: readonly (string | number)[] | string): string {
  const parts = typeof path === 'string' ? path.split('.').filter((part) => part !== '') : path.map(String);
  if (parts[0] === 'cadence') return 'cadence';
  if (parts[0] !== 'filter') return 'form';
  const [, list, index, part] = parts;
  if (list !== 'include' && list !== 'exclude') return 'form';
  if (index === undefined) return list;
  if (part === undefined || !RULE_PARTS.includes(part as RulePart)) return `${list}.${index}`;
  return `${list}.${index}.${part}`;
}

/** Checks the form against the contract the API uses, so each mistake shows beside its field before saving. */
export function validate(
  connectionId: string,
  values: SettingsValues,
): { ok: true; input: UpdateSchemaSettingsInput } | { ok: false; errors: FieldErrors } {
  const parsed = UpdateSchemaSettingsInput.safeParse(inputOf(connectionId, values));
  if (parsed.success) return { ok: true, input: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = fieldOfPath(issue.path.filter((part): part is string | number => typeof part !== 'symbol'));
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}
