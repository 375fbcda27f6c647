import { describe, expect, it } from 'vitest';
import { type IdKind, newId } from './ids';

describe('newId', () => {
  it('makes a project id of prj_ and 16 base32 characters', () => {
    expect(newId('project')).toMatch(/^prj_[a-z2-7]{16}$/);
  });

  it.each<[IdKind, string]>([
    ['workspace', 'wsp'],
    ['user', 'usr'],
    ['project', 'prj'],
    ['cell', 'cel'],
    ['connection', 'con'],
    ['run', 'run'],
    ['token', 'tok'],
    ['group', 'grp'],
    ['grant', 'gnt'],
  ])('prefixes a %s id with %s_', (kind, prefix) => {
    expect(newId(kind)).toMatch(new RegExp(`^${prefix}_[a-z2-7]{16}$`));
  });

  it('never repeats itself over 1000 ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('project')));

    expect(ids.size).toBe(1000);
  });

  it('uses every symbol of the alphabet, evenly enough', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      for (const symbol of newId('run').slice(4)) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    }

    expect([...counts.keys()].sort().join('')).toBe('234567abcdefghijklmnopqrstuvwxyz');
    // 32,000 symbols: 1,000 expected per symbol; a biased or stuck generator falls far outside.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });
});
