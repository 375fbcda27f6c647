import { describe, expect, it } from 'vitest';
import { readCellAnswer } from './cell-result';
import { bindableInputNames, cellSource } from './cell-source';

const limits = { maxResultBytes: 1024, bodyLines: 3 };
const answer = (v: unknown) => JSON.stringify(v);

describe('reading a cell’s answer on the host (KRN-5)', () => {
  it('takes a table and a value', () => {
    expect(
      readCellAnswer(
        answer({ ok: true, result: { kind: 'table', columns: ['a'], rows: [[1]] }, logs: [] }),
        limits,
      ),
    ).toEqual({
      ok: true,
      value: { result: { kind: 'table', columns: ['a'], rows: [[1]] }, logs: [] },
    });
    expect(
      readCellAnswer(answer({ ok: true, result: { kind: 'value', value: null }, logs: ['x'] }), limits),
    ).toMatchObject({
      ok: true,
      value: { result: { kind: 'value', value: null }, logs: ['x'] },
    });
  });

  it.each([
    ['not a string', 42, 'kernel.invalid_result'],
    ['not JSON', '{nope', 'kernel.invalid_result'],
    ['an unknown shape', answer({ hello: 1 }), 'kernel.invalid_result'],
    [
      'duplicate columns',
      answer({ ok: true, result: { kind: 'table', columns: ['a', 'a'], rows: [] }, logs: [] }),
      'kernel.invalid_result',
    ],
    [
      'ragged rows',
      answer({ ok: true, result: { kind: 'table', columns: ['a'], rows: [[1, 2]] }, logs: [] }),
      'kernel.invalid_result',
    ],
    ['a missing value', answer({ ok: true, result: { kind: 'value' }, logs: [] }), 'kernel.invalid_result'],
    [
      'too many bytes',
      answer({ ok: true, result: { kind: 'value', value: 'é'.repeat(600) }, logs: [] }),
      'kernel.result_too_large',
    ],
    [
      'too many log lines',
      answer({ ok: true, result: { kind: 'value', value: 1 }, logs: Array(101).fill('') }),
      'kernel.invalid_result',
    ],
  ])('refuses %s', (_name, text, code) => {
    expect(readCellAnswer(text, limits)).toMatchObject({ ok: false, error: { code } });
  });

  it('keeps a line and column only when they fall in the user’s code', () => {
    const inBody = readCellAnswer(
      answer({ ok: false, code: 'error', name: 'TypeError', message: 'm', line: 2, column: 5 }),
      limits,
    );
    expect(inBody).toMatchObject({
      ok: false,
      error: { code: 'kernel.error', message: 'TypeError: m', details: { line: 2, column: 5 } },
    });
    const inRuntime = readCellAnswer(
      answer({ ok: false, code: 'error', name: 'Error', message: 'm', line: 40, column: 1 }),
      limits,
    );
    expect(inRuntime).toEqual({ ok: false, error: { code: 'kernel.error', message: 'm', kind: 'user' } });
  });
});

describe('the cell’s source', () => {
  it('binds inputs that are plain identifiers and leaves the rest to `inputs`', () => {
    expect(
      bindableInputNames(['orders', 'my cell', 'class', 'secrets', 'inputs', '__quarryRun', 'région', 'x1']),
    ).toEqual(['orders', 'x1']);
  });

  it('puts the user’s first line on line 2, under the header, so lineOffset -1 maps it to 1', () => {
    const lines = cellSource('return 1;\nreturn 2;', ['a']).split('\n');
    expect(lines[1]).toBe('return 1;');
    expect(lines[0]).toContain('const { a } = inputs;');
  });
});
