import { MAX_SCHEMA_FILTER_RULES, type SchemaSettings } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import {
  blankRule,
  fieldOfPath,
  inputOf,
  type SettingsValues,
  validate,
  valuesOf,
} from './schema-settings-values';

const CONNECTION = 'con_1';

const row = (parts: Partial<Record<'database' | 'schema' | 'table', string>>) => ({
  ...blankRule(),
  ...parts,
});

describe('valuesOf and inputOf', () => {
  it('round-trips saved rules, leaving absent parts out', () => {
    const settings: SchemaSettings = {
      connectionId: CONNECTION,
      cadence: 'daily',
      scheduleAvailable: true,
      filter: { include: [{ schema: 'public' }], exclude: [{ schema: 'public', table: 'tmp_*' }] },
    };
    const values = valuesOf(settings);
    expect(values.include[0]).toMatchObject({ database: '', schema: 'public', table: '' });
    expect(inputOf(CONNECTION, values)).toEqual({
      connectionId: CONNECTION,
      cadence: 'daily',
      filter: settings.filter,
    });
  });

  it('trims the patterns and reads a blank part as any name', () => {
    const values: SettingsValues = {
      cadence: 'off',
      include: [row({ database: '  ', table: ' orders ' })],
      exclude: [],
    };
    expect(inputOf(CONNECTION, values).filter.include).toEqual([{ table: 'orders' }]);
  });
});

describe('validate', () => {
  it('accepts rules with wildcards', () => {
    const values: SettingsValues = {
      cadence: 'hourly',
      include: [row({ schema: 'sales_*' })],
      exclude: [row({ table: '*_backup' })],
    };
    const result = validate(CONNECTION, values);
    expect(result).toEqual({
      ok: true,
      input: {
        connectionId: CONNECTION,
        cadence: 'hourly',
        filter: { include: [{ schema: 'sales_*' }], exclude: [{ table: '*_backup' }] },
      },
    });
  });

  it('puts a rule that names nothing beside that rule', () => {
    const values: SettingsValues = { cadence: 'off', include: [], exclude: [row({}), row({ table: 'x' })] };
    const result = validate(CONNECTION, values);
    expect(result).toEqual({
      ok: false,
      errors: { 'exclude.0': 'A rule names a database, a schema or a table pattern' },
    });
  });

  it('puts a pattern that is too long beside its field', () => {
    const values: SettingsValues = {
      cadence: 'off',
      include: [row({ schema: 's', table: 'x'.repeat(129) })],
      exclude: [],
    };
    const result = validate(CONNECTION, values);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors)).toEqual(['include.0.table']);
  });

  it('refuses more rules than the cap, beside the list', () => {
    const include = Array.from({ length: MAX_SCHEMA_FILTER_RULES + 1 }, () => row({ table: 't' }));
    const result = validate(CONNECTION, { cadence: 'off', include, exclude: [] });
    expect(result).toEqual({
      ok: false,
      errors: { include: `At most ${MAX_SCHEMA_FILTER_RULES} include rules` },
    });
  });
});

describe('fieldOfPath', () => {
  it.each([
    ['filter.include.2.schema', 'include.2.schema'],
    ['filter.exclude.0', 'exclude.0'],
    ['filter.exclude', 'exclude'],
    ['cadence', 'cadence'],
    ['connectionId', 'form'],
    ['', 'form'],
  ])('places %j at %j', (path, field) => {
    expect(fieldOfPath(path)).toBe(field);
  });
});
