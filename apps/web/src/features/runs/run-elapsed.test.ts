import { describe, expect, it } from 'vitest';
import { formatElapsed } from './run-elapsed';

describe('formatElapsed', () => {
  it.each([
    { seconds: 0, text: '0 s' },
    { seconds: 59, text: '59 s' },
    { seconds: 60, text: '1 min' },
    { seconds: 75, text: '1 min 15 s' },
    { seconds: 3600, text: '60 min' },
  ])('says $seconds seconds as "$text"', ({ seconds, text }) => {
    expect(formatElapsed(seconds)).toBe(text);
  });
});
