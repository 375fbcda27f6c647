import type { ConnectorField, ConnectorKindInfo } from '@quarry/contracts';

/** What the form holds: every input's text, keyed by field name. */
export type FieldValues = Record<string, string>;

/**
 * The form's starting values: the saved settings when editing, else each field's default. Secret
 * fields always start blank: a stored secret is never sent back, and blank keeps it.
 */
export function initialValues(kind: ConnectorKindInfo, saved?: Record<string, unknown>): FieldValues {
  const values: FieldValues = {};
  for (const field of kind.fields) {
    if (field.secret) {
      values[field.name] = '';
      continue;
    }
    const value = saved ? saved[field.name] : field.default;
    values[field.name] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : '';
  }
  return values;
}

const settingOf = (field: ConnectorField, text: string): string | number | boolean => {
  if (field.input === 'switch') return text === 'true';
  if (field.input !== 'integer') return field.input === 'textarea' ? text : text.trim();
  const number = Number(text.trim());
  // Not a whole number: sent as typed, so the server's refusal lands next to the field.
  return Number.isInteger(number) ? number : text.trim();
};

/**
 * What the API takes: the non-secret settings (blank ones left out, so a default applies or the
 * server names the missing field) and only the secrets that were typed (blank keeps the stored one).
 */
export function payloadOf(
  kind: ConnectorKindInfo,
  values: FieldValues,
): { settings: Record<string, string | number | boolean>; secrets: Record<string, string> } {
  const settings: Record<string, string | number | boolean> = {};
  const secrets: Record<string, string> = {};
  for (const field of kind.fields) {
    const text = values[field.name] ?? '';
    if (field.secret) {
      if (text !== '') secrets[field.name] = text;
      continue;
    }
    if (text.trim() === '') continue;
    settings[field.name] = settingOf(field, text);
  }
  return { settings, secrets };
}
