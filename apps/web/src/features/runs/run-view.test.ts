import type { Column, RunEvent } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { applyRunEvent, failedRun, queuedRun, type RunView } from './run-view';

const COLUMNS: Column[] = [
  { name: 'id', type: 'integer', dbType: 'int4' },
  { name: 'status', type: 'text', dbType: 'text' },
];
const SQL_ERROR = { code: 'sql.syntax', message: 'syntax error at or near "form"', hint: 'Fix the SQL' };

const rows = (batch: unknown[][], rowCount: number): RunEvent => ({
  type: 'rows',
  batch: JSON.stringify(batch),
  batchRows: batch.length,
  rowCount,
});

const replay = (events: RunEvent[]): RunView => events.reduce(applyRunEvent, queuedRun('select 1'));

describe('applyRunEvent', () => {
  it.each([
    {
      name: 'starts queued with the SQL that runs',
      events: [],
      expected: { phase: 'queued', source: 'select 1', rows: [], rowCount: 0, error: null },
    },
    {
      name: 'moves to running on the running status',
      events: [{ type: 'status', status: 'running' }],
      expected: { phase: 'running' },
    },
    {
      name: 'ignores a succeeded status, waiting for done with its counts',
      events: [
        { type: 'status', status: 'running' },
        { type: 'status', status: 'succeeded' },
      ],
      expected: { phase: 'running' },
    },
    {
      name: 'takes the columns before any row',
      events: [{ type: 'columns', columns: COLUMNS }],
      expected: { phase: 'queued', columns: COLUMNS, rows: [] },
    },
    {
      name: 'appends chunks in the order they arrive',
      events: [
        { type: 'columns', columns: COLUMNS },
        rows([[1, 'paid']], 1),
        rows(
          [
            [2, null],
            [3, ''],
          ],
          3,
        ),
      ],
      expected: {
        phase: 'running',
        rowCount: 3,
        rows: [
          [1, 'paid'],
          [2, null],
          [3, ''],
        ],
      },
    },
    {
      name: 'finishes with the count, time and no truncation',
      events: [rows([[1, 'paid']], 1), { type: 'done', rowCount: 1, truncated: false, durationMs: 12 }],
      expected: { phase: 'done', rowCount: 1, truncated: false, durationMs: 12, rows: [[1, 'paid']] },
    },
    {
      name: 'says when the row limit cut the result',
      events: [rows([[1, 'paid']], 1), { type: 'done', rowCount: 1, truncated: true, durationMs: 5 }],
      expected: { phase: 'done', truncated: true },
    },
    {
      name: 'fails with the error and keeps the rows it got',
      events: [rows([[1, 'paid']], 1), { type: 'error', error: SQL_ERROR }],
      expected: { phase: 'failed', error: SQL_ERROR, rowCount: 1, rows: [[1, 'paid']] },
    },
  ] satisfies Array<{ name: string; events: RunEvent[]; expected: Partial<RunView> }>)(
    '$name',
    ({ events, expected }) => {
      expect(replay(events)).toMatchObject(expected);
    },
  );

  it('appends into the run’s own row array instead of copying it on each chunk', () => {
    const first = applyRunEvent(queuedRun('select 1'), rows([[1, 'a']], 1));
    const second = applyRunEvent(first, rows([[2, 'b']], 2));
    expect(second).not.toBe(first);
    expect(second.rows).toBe(first.rows);
    expect(second.rows).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('gives every run a row array of its own', () => {
    const earlier = applyRunEvent(queuedRun('select 1'), rows([[1, 'a']], 1));
    const next = queuedRun('select 2');
    expect(next.rows).not.toBe(earlier.rows);
    expect(next.rows).toEqual([]);
  });

  it('fails a run that never streamed, keeping its SQL for the error position', () => {
    expect(failedRun(queuedRun('select nope'), SQL_ERROR)).toMatchObject({
      phase: 'failed',
      error: SQL_ERROR,
      source: 'select nope',
    });
  });
});
