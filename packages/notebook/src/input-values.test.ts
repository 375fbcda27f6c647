import type { InputConfig, InputValue } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { resolveInputs, resolveInputValue } from './input-values';

const text: InputConfig = { type: 'text', default: 'all' };
const number: InputConfig = { type: 'number', default: '10' };
const date: InputConfig = { type: 'date', default: null };
const range: InputConfig = { type: 'date_range', default: { start: '2024-01-01', end: '2024-12-31' } };
const select: InputConfig = {
  type: 'select',
  options: { from: 'list', values: ['pending', 'shipped'] },
  default: 'pending',
};
const fromCell: InputConfig = {
  type: 'select',
  options: { from: 'cell', cellId: 'cel_x', column: 'status' },
  default: null,
};

describe('resolveInputValue', () => {
  it.each<[string, InputConfig, InputValue | undefined, InputValue]>([
    ['text left out takes its default', text, undefined, 'all'],
    ['text set to null takes its default', text, null, 'all'],
    ['text keeps any text', text, "'; drop table x; --", "'; drop table x; --"],
    ['an empty text stays empty', text, '', ''],
    ['a number as decimal text', number, '-12.50', '-12.50'],
    ['a number beyond 2^53 keeps its digits', number, '9007199254740993', '9007199254740993'],
    ['a number left out takes its default', number, undefined, '10'],
    ['a date', date, '2024-02-29', '2024-02-29'],
    ['a date with no default left out is null', date, undefined, null],
    [
      'a date range',
      range,
      { start: '2024-03-01', end: '2024-03-31' },
      { start: '2024-03-01', end: '2024-03-31' },
    ],
    ['a date range left out takes its default', range, null, { start: '2024-01-01', end: '2024-12-31' }],
    ['a listed option', select, 'shipped', 'shipped'],
    ['an option read from a cell is any text', fromCell, 'returned', 'returned'],
  ])('%s', (_, config, given, expected) => {
    expect(resolveInputValue('x', config, given)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, InputConfig, InputValue]>([
    ['text given a range', text, { start: '2024-01-01', end: '2024-01-02' }],
    ['a number in words', number, 'ten'],
    ['a number with an exponent', number, '1e3'],
    ['a number with SQL after it', number, '1; drop table x'],
    ['a date not in ISO form', date, '29/02/2024'],
    ['an impossible date', date, '2023-02-29'],
    ['a range that ends before it starts', range, { start: '2024-02-01', end: '2024-01-01' }],
    ['a range given as text', range, '2024-01-01..2024-02-01'],
    ['an option not listed', select, "pending' or '1'='1"],
  ])('refuses %s as notebook.invalid_input naming the input', (_, config, given) => {
    const result = resolveInputValue('region', config, given);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('notebook.invalid_input');
    expect(result.error.details).toEqual({ input: 'region' });
  });
});

describe('resolveInputs', () => {
  const inputs = [
    { name: 'status', input: select },
    { name: 'n', input: number },
  ];

  it('applies defaults to every input left out', () => {
    expect(resolveInputs(inputs, { n: '3' })).toEqual({ ok: true, value: { status: 'pending', n: '3' } });
  });

  it.each([['nope'], ["status'; drop table x; --"], ['__proto__'], ['constructor']])(
    'refuses a value for %j, which names no input',
    (name) => {
      const given = Object.fromEntries([[name, 'x']]);
      const result = resolveInputs(inputs, given);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe('notebook.invalid_input');
      expect(result.error.details).toEqual({ input: name });
    },
  );

  it('keeps an input named __proto__ as its own value', () => {
    const result = resolveInputs([{ name: '__proto__', input: text }], { ['__proto__']: 'x' });
    expect(result.ok && Object.hasOwn(result.value, '__proto__')).toBe(true);
    expect(result.ok && Object.getOwnPropertyDescriptor(result.value, '__proto__')?.value).toBe('x');
  });
});
