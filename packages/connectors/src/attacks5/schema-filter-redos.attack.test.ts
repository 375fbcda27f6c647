import { MAX_SCHEMA_FILTER_PATTERN_LENGTH, MAX_SCHEMA_FILTER_RULES } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { matchesSchemaFilter } from '../registry/schema-filter';
import { cpuMs } from '../testing/cpu-time';

// Whoever manages a connection writes its schema filter (an Editor, for a project connection), and
// the runner applies it to every name a refresh reads. A pattern the contracts accept must not be
// able to stall the runner's event loop (everyone's runs share it).
describe('a schema filter written to stall the runner', () => {
  it('answers a pathological `*a*a…*b` pattern of the longest allowed length at once, for 50 rules', () => {
    const stars = '*a'.repeat((MAX_SCHEMA_FILTER_PATTERN_LENGTH - 2) / 2);
    const pattern = `${stars}*b`;
    expect(pattern.length).toBe(MAX_SCHEMA_FILTER_PATTERN_LENGTH);
    const filter = {
      include: [],
      exclude: Array.from({ length: MAX_SCHEMA_FILTER_RULES }, () => ({
        database: pattern,
        schema: pattern,
        table: pattern,
      })),
    };
    const names = Array.from({ length: 200 }, (_, i) => `${'a'.repeat(63 - String(i).length)}${i}`);
    const used = cpuMs(() => {
      for (const name of names) {
        // Kept: a name of `a`s never ends with `b`, so no exclude rule matches.
        expect(matchesSchemaFilter(filter, { database: name, schema: name, table: name })).toBe(true);
      }
    });
    // A regular expression took > 10 s for one name with only 6 stars.
    expect(used).toBeLessThan(1_000);
  });

  it('still matches by the rules: stars anywhere, literal LIKE and regex metacharacters, any case', () => {
    const at = (table: string) => ({ database: 'db', schema: 's', table });
    const only = (table: string) => ({ include: [{ table }], exclude: [] });
    expect(matchesSchemaFilter(only('*a*a*b'), at('xaYAzb'))).toBe(true);
    expect(matchesSchemaFilter(only('*a*a*b'), at('xab'))).toBe(false);
    expect(matchesSchemaFilter(only('a%b'), at('aXb'))).toBe(false);
    expect(matchesSchemaFilter(only('a_b'), at('aXb'))).toBe(false);
    expect(matchesSchemaFilter(only('a\\b'), at('A\\B'))).toBe(true);
    expect(matchesSchemaFilter(only('a.*'), at('ab'))).toBe(false);
    expect(matchesSchemaFilter(only('a.*'), at('a.b'))).toBe(true);
    expect(matchesSchemaFilter(only('**'), at(''))).toBe(true);
    expect(matchesSchemaFilter(only('x*'), at('x\ny'))).toBe(true);
  });

  it('matches exactly as the regular expression did, on random short patterns and names', () => {
    const old = (pattern: string, name: string) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        'is',
      ).test(name);
    const alphabet = ['a', 'A', 'b', '*', '.', '%', '_', '\\', '\n'];
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = (max: number) =>
      Array.from(
        { length: Math.floor(random() * max) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    for (let n = 0; n < 20_000; n++) {
      const pattern = word(7) || '*';
      const name = word(9).replaceAll('*', 'x');
      const at = { database: 'db', schema: 's', table: name };
      expect(
        matchesSchemaFilter({ include: [{ table: pattern }], exclude: [] }, at),
        `${pattern} ${name}`,
      ).toBe(old(pattern, name));
    }
  });
});
