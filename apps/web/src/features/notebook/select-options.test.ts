import type { InputConfig } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { IDLE_RUN, type RunView } from '../runs/run-view';
import { selectOptionsOf } from './select-options';

const result: RunView = {
  ...IDLE_RUN,
  phase: 'done',
  columns: [
    { name: 'id', type: 'integer', dbType: 'int4' },
    { name: 'status', type: 'text', dbType: 'text' },
  ],
  rows: [
    [1, 'shipped'],
    [2, 'pending'],
    [3, 'shipped'],
    [4, null],
    [5, 'returned'],
  ],
};

type SelectInput = Extract<InputConfig, { type: 'select' }>;

describe('selectOptionsOf', () => {
  it('offers a list as it is', () => {
    const input: SelectInput = {
      type: 'select',
      options: { from: 'list', values: ['EU', 'US'] },
      default: null,
    };
    expect(selectOptionsOf(input, {})).toEqual(['EU', 'US']);
  });

  it('offers the distinct values of a column in the order they first appear, without NULL', () => {
    const input: SelectInput = {
      type: 'select',
      options: { from: 'cell', cellId: 'cel_a', column: 'status' },
      default: null,
    };
    expect(selectOptionsOf(input, { cel_a: result })).toEqual(['shipped', 'pending', 'returned']);
  });

  it('offers numbers as their text', () => {
    const input: SelectInput = {
      type: 'select',
      options: { from: 'cell', cellId: 'cel_a', column: 'id' },
      default: null,
    };
    expect(selectOptionsOf(input, { cel_a: result })).toEqual(['1', '2', '3', '4', '5']);
  });

  it('has nothing to offer before the cell has run', () => {
    const input: SelectInput = {
      type: 'select',
      options: { from: 'cell', cellId: 'cel_a', column: 'status' },
      default: null,
    };
    expect(selectOptionsOf(input, {})).toBeNull();
  });

  it('offers nothing from a column the result does not have', () => {
    const input: SelectInput = {
      type: 'select',
      options: { from: 'cell', cellId: 'cel_a', column: 'nope' },
      default: null,
    };
    expect(selectOptionsOf(input, { cel_a: result })).toEqual([]);
  });
});
