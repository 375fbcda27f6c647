import { EMPTY_ALLOW_LIST, LOOPBACK_ALLOW_LIST, resolveAndCheckHost } from '@quarry/net-policy';
import { describe, expect, it } from 'vitest';

/**
 * CONN-2 spellings the net-policy tests do not list, checked with no private host allowed (a
 * production runner) and with the loopback list the demo and the tests use.
 */
describe('the address policy against less common spellings', () => {
  it.each([
    ['IPv4-compatible IPv6 loopback', '::127.0.0.1'],
    ['IPv4-mapped loopback, long form', '0:0:0:0:0:ffff:127.0.0.1'],
    ['IPv4-mapped loopback in hex, bracketed', '[0:0:0:0:0:ffff:7f00:1]'],
    ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
    ['short dotted loopback', '127.1'],
    ['hex-octet loopback', '0x7f.0.0.1'],
    ['metadata as one integer', '2852039166'],
    ['metadata in hex', '0xa9fea9fe'],
    ['loopback with a trailing dot', '127.0.0.1.'],
    ['localhost with a trailing dot', 'localhost.'],
    ['localhost in capitals', 'LOCALHOST'],
    ['a localhost subdomain', 'db.localhost'],
    ['IPv6 loopback, long form', '0:0:0:0:0:0:0:1'],
    ['the unspecified address as 0', '0'],
    ['Debian’s name for ::1', 'ip6-localhost'],
  ])('refuses %s (%s) with no private host allowed', async (_name, host) => {
    const checked = await resolveAndCheckHost(host, { allow: EMPTY_ALLOW_LIST });
    expect(checked.ok).toBe(false);
  });

  it.each([
    ['metadata', '169.254.169.254'],
    ['IPv4-mapped metadata', '::ffff:a9fe:a9fe'],
    ['another loopback address', '127.0.0.2'],
    ['IPv4-mapped other loopback', '::ffff:127.0.0.2'],
    ['the unspecified address', '0.0.0.0'],
    ['a private network', '10.1.2.3'],
  ])('refuses %s (%s) even with loopback allowed', async (_name, host) => {
    const checked = await resolveAndCheckHost(host, { allow: LOOPBACK_ALLOW_LIST });
    expect(checked.ok).toBe(false);
  });
});
