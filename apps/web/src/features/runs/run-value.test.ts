import { describe, expect, it } from 'vitest';
import { formatJsonValue } from './run-value';

describe('formatJsonValue', () => {
  it('lays out an object over lines, keys in the order the cell gave them', () => {
    expect(formatJsonValue('{"b":1,"a":[1,2]}')).toBe('{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}');
  });

  it('keeps a string value as JSON text, quoted', () => {
    expect(formatJsonValue('"shipped"')).toBe('"shipped"');
  });

  it('shows text that is not JSON as it came', () => {
    expect(formatJsonValue('not json')).toBe('not json');
  });
});
