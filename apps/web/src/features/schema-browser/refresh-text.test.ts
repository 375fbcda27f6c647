import type { SchemaRefresh } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { countsText, isActive, progressText, refreshedBy } from './refresh-text';

const refresh = (over: Partial<SchemaRefresh>): SchemaRefresh => ({
  id: 'srf_1',
  connectionId: 'con_1',
  trigger: 'manual',
  status: 'running',
  progress: { done: 0, total: null },
  requestedBy: null,
  createdAt: new Date(0),
  startedAt: null,
  finishedAt: null,
  error: null,
  counts: null,
  ...over,
});

describe('progressText', () => {
  it('counts tables read out of the catalog’s total', () => {
    expect(progressText(refresh({ progress: { done: 1200, total: 5000 } }))).toBe(
      'Refreshing… 1,200 of 5,000 tables',
    );
    expect(progressText(refresh({ progress: { done: 0, total: 1 } }))).toBe('Refreshing… 0 of 1 table');
  });

  it('says what it can before the total is known', () => {
    expect(progressText(refresh({}))).toBe('Refreshing…');
    expect(progressText(refresh({ progress: { done: 40, total: null } }))).toBe('Refreshing… 40 tables read');
    expect(progressText(refresh({ status: 'queued' }))).toBe('Refresh queued: waiting for a query runner…');
  });
});

describe('isActive', () => {
  it('holds for a queued or running refresh only', () => {
    expect(
      ['queued', 'running', 'succeeded', 'failed'].map((status) =>
        isActive(refresh({ status: status as SchemaRefresh['status'] })),
      ),
    ).toEqual([true, true, false, false]);
    expect(isActive(null)).toBe(false);
  });
});

describe('refreshedBy', () => {
  it('names the person, or the schedule, or the creation', () => {
    const at = new Date(0);
    expect(refreshedBy({ at, trigger: 'manual', by: { id: 'usr_1', name: 'Ada' } })).toBe('by Ada');
    expect(refreshedBy({ at, trigger: 'scheduled', by: null })).toBe('on schedule');
    expect(refreshedBy({ at, trigger: 'created', by: null })).toBe('when the connection was created');
  });
});

describe('countsText', () => {
  it('says what changed, or that nothing did', () => {
    expect(countsText(refresh({ counts: { added: 3, removed: 1, changed: 0 } }))).toBe(
      '3 tables added, 1 removed',
    );
    expect(countsText(refresh({ counts: { added: 0, removed: 0, changed: 0 } }))).toBe('Nothing changed');
    expect(countsText(refresh({ counts: { added: 0, removed: 1, changed: 1200 } }))).toBe(
      '1 table removed, 1,200 changed',
    );
    expect(countsText(refresh({}))).toBeNull();
  });
});
