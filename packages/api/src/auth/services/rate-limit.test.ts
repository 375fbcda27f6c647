import { describe, expect, it } from 'vitest';
import { clientKey, signInCounters } from './rate-limit';

describe('clientKey: the client a per-address counter is kept for', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:0:0:0:9', '2001:db8:1:2::/64'],
    ['2001:db8::5', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['not an address', 'not an address'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });

  it('charges an email as typed in any case to one account counter', () => {
    expect(signInCounters({ email: 'Ada@Example.test', ip: null })).toEqual([
      { key: 'account:ada@example.test', limit: 10 },
    ]);
  });
});
