import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import type { z } from 'zod';
import type { ConnectorKind } from './connector-kind';
import { connectorKind } from './kinds';

/** A field the kind refused, named so the form can show the message beside it. */
export type SettingsError = QuarryError & {
  code: 'connections.invalid_settings' | 'connections.unknown_kind';
  details: { field: string | null };
};

const unknownKind = (kind: string): SettingsError => ({
  code: 'connections.unknown_kind',
  message: `Quarry has no connector for "${kind.slice(0, 40)}"`,
  hint: 'Choose a database kind from the list',
  details: { field: 'kind' },
});

const fieldError = (error: z.ZodError, section: 'settings' | 'secrets'): SettingsError => {
  const issue = error.issues[0];
  const field = issue?.path[0];
  const named = typeof field === 'string' ? field : null;
  const unrecognized = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  if (unrecognized !== undefined) {
    return {
      code: 'connections.invalid_settings',
      message: `"${unrecognized.slice(0, 64)}" is not a ${section === 'settings' ? 'setting' : 'credential'} of this kind of connection`,
      hint: 'Use the fields of the form; Quarry takes no connection strings or driver options',
      details: { field: unrecognized.slice(0, 64) },
    };
  }
  return {
    code: 'connections.invalid_settings',
    message: issue?.message ?? 'The connection settings are not valid',
    hint: 'Correct the field and try again',
    details: { field: named },
  };
};

export type ParsedConnection = {
  kind: ConnectorKind;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
};

/**
 * Validates a connection against its kind. `draft` accepts missing fields (an Admin's draft), never
 * unknown ones. `stored` are the secrets already sealed for this connection: a secret sent blank or
 * not at all keeps its stored value (write-only fields).
 */
export function parseConnection(input: {
  kind: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  stored?: Record<string, string>;
  draft?: boolean;
}): Result<ParsedConnection, SettingsError> {
  const kind = connectorKind(input.kind);
  if (!kind) return err(unknownKind(input.kind));
  const settingsSchema = input.draft ? kind.settings.partial() : kind.settings;
  const settings = settingsSchema.safeParse(input.settings);
  if (!settings.success) return err(fieldError(settings.error, 'settings'));
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...input.stored, ...input.secrets })) {
    const kept = value === '' ? input.stored?.[name] : value;
    if (kept !== undefined && kept !== '') merged[name] = kept;
  }
  const secretsSchema = input.draft ? kind.secrets.partial() : kind.secrets;
  // A stored secret of a field the kind no longer declares is dropped, not refused.
  const declared = Object.fromEntries(Object.entries(merged).filter(([name]) => name in kind.secrets.shape));
  const unknown = Object.keys(input.secrets).find((name) => !(name in kind.secrets.shape));
  if (unknown !== undefined) {
    return err({
      code: 'connections.invalid_settings',
      message: `"${unknown.slice(0, 64)}" is not a credential of this kind of connection`,
      hint: 'Use the fields of the form; Quarry takes no connection strings or driver options',
      details: { field: unknown.slice(0, 64) },
    });
  }
  const secrets = secretsSchema.safeParse(declared);
  if (!secrets.success) return err(fieldError(secrets.error, 'secrets'));
  const issue = input.draft
    ? null
    : (kind.check?.(settings.data as Record<string, unknown>, secrets.data as Record<string, string>) ??
      null);
  if (issue) {
    return err({
      code: 'connections.invalid_settings',
      message: issue.message,
      hint: issue.hint,
      details: { field: issue.field },
    });
  }
  return ok({
    kind,
    settings: settings.data as Record<string, unknown>,
    secrets: secrets.data as Record<string, string>,
  });
}
