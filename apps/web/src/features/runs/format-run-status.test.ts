import { describe, expect, it } from 'vitest';
import { formatRunStatus } from './format-run-status';
import { IDLE_RUN, type RunView } from './run-view';

const view = (patch: Partial<RunView>): RunView => ({ ...IDLE_RUN, ...patch });

describe('formatRunStatus', () => {
  it.each([
    { name: 'says nothing before the first run', patch: {}, text: '' },
    { name: 'says a queued run is queued', patch: { phase: 'queued' }, text: 'Queued…' },
    {
      name: 'gives a queued run its place in line',
      patch: { phase: 'queued', queuePosition: 3 },
      text: 'Queued… 3rd in line',
    },
    {
      name: 'says the 22nd in line as people write it',
      patch: { phase: 'queued', queuePosition: 22 },
      text: 'Queued… 22nd in line',
    },
    {
      name: 'says a run that is taken next is first in line',
      patch: { phase: 'queued', queuePosition: 1 },
      text: 'Queued… 1st in line',
    },
    { name: 'says a run with no rows yet is running', patch: { phase: 'running' }, text: 'Running…' },
    {
      name: 'counts the rows of a running run',
      patch: { phase: 'running', rowCount: 12_000 },
      text: 'Running… 12,000 rows',
    },
    {
      name: 'gives rows and time once done',
      patch: { phase: 'done', rowCount: 12_000, durationMs: 340 },
      text: '12,000 rows in 340 ms',
    },
    {
      name: 'says a JS cell returned a value, not that it found no rows',
      patch: { phase: 'done', value: '{"a":1}', rowCount: 0, durationMs: 264 },
      text: 'Returned a value in 264 ms',
    },
    {
      name: 'says a cancelled run was cancelled, not that it failed',
      patch: { phase: 'failed', error: { code: 'run.cancelled', message: 'The run was cancelled' } },
      text: 'Cancelled',
    },
    {
      name: 'says one row, not one rows',
      patch: { phase: 'done', rowCount: 1, durationMs: 5 },
      text: '1 row in 5 ms',
    },
    {
      name: 'says when the row limit cut the result',
      patch: { phase: 'done', rowCount: 10_000, durationMs: 1_250, truncated: true },
      text: '10,000 rows in 1,250 ms (truncated at the row limit)',
    },
    { name: 'says a run failed', patch: { phase: 'failed' }, text: 'Failed' },
    {
      name: 'says how far a failed run got',
      patch: { phase: 'failed', rowCount: 3 },
      text: 'Failed after 3 rows',
    },
  ] satisfies Array<{ name: string; patch: Partial<RunView>; text: string }>)('$name', ({ patch, text }) => {
    expect(formatRunStatus(view(patch))).toBe(text);
  });
});
