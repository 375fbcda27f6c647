import { describe, expect, it } from 'vitest';
import { cacheAge } from './cache-badge';

describe('cacheAge', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  it.each([
    [0, 'less than a minute old'],
    [59_000, 'less than a minute old'],
    [60_000, '1 min old'],
    [59 * 60_000, '59 min old'],
    [60 * 60_000, '1 h old'],
    [47 * 3_600_000, '47 h old'],
    [72 * 3_600_000, '3 days old'],
  ])('reads a result computed %i ms ago as "%s"', (ago, text) => {
    expect(cacheAge(new Date(now.getTime() - ago), now)).toBe(text);
  });
});
