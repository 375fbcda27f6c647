import { describe, expect, it } from 'vitest';
import { returnTo } from './return-to';

describe('returnTo', () => {
  it.each([
    { raw: '/projects/prj_1', to: '/projects/prj_1' },
    { raw: '/settings/tokens?tab=x', to: '/settings/tokens?tab=x' },
    { raw: '/', to: '/' },
    { raw: undefined, to: '/' },
    { raw: 42, to: '/' },
    { raw: 'https://evil.example/', to: '/' },
    { raw: '//evil.example/path', to: '/' },
    { raw: '/\\evil.example/path', to: '/' },
    { raw: 'javascript:alert(1)', to: '/' },
    { raw: '/sign-in?redirect=/sign-in', to: '/' },
    { raw: '/projects/prj_1#fragment', to: '/projects/prj_1' },
  ])('sends $raw to $to', ({ raw, to }) => {
    expect(returnTo(raw)).toBe(to);
  });
});
