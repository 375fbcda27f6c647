import { describe, expect, it } from 'vitest';
import { EMPTY_ALLOW_LIST, parseAllowList } from './allow-list';
import { resolveAndCheckHost } from './resolve-and-check-host';

function allowList(text: string) {
  const parsed = parseAllowList(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

// Only literals, /etc/hosts names and names refused before resolution: no query leaves the machine.
describe('resolveAndCheckHost refuses internal addresses in every spelling (CONN-2)', () => {
  it.each([
    ['the cloud metadata address', '169.254.169.254'],
    ['the metadata host name', 'metadata.google.internal'],
    ['AWS IPv6 metadata', 'fd00:ec2::254'],
    ['loopback', '127.0.0.1'],
    ['loopback as one integer', '2130706433'],
    ['loopback in hex', '0x7f000001'],
    ['loopback in octal', '0177.0.0.1'],
    ['IPv4-mapped IPv6 loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped IPv6 loopback in brackets', '[::ffff:127.0.0.1]'],
    ['IPv4-mapped IPv6 metadata, hex form', '::ffff:a9fe:a9fe'],
    ['IPv6 loopback', '::1'],
    ['localhost', 'localhost'],
    ['the unspecified address', '0.0.0.0'],
    ['the unspecified IPv6 address', '::'],
    ['10/8', '10.0.0.1'],
    ['172.16/12', '172.31.255.1'],
    ['192.168/16', '192.168.1.1'],
    ['100.64/10', '100.64.0.1'],
    ['link-local IPv6', 'fe80::1'],
    ['unique local IPv6', 'fc00::1'],
    ['NAT64 of loopback', '64:ff9b::7f00:1'],
  ])('refuses %s (%s)', async (_name, host) => {
    const checked = await resolveAndCheckHost(host, { allow: EMPTY_ALLOW_LIST });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.error.code).toBe('net.address_refused');
    expect(checked.error.message).not.toContain(host);
  });

  it('accepts a public address', async () => {
    expect(await resolveAndCheckHost('93.184.215.14', { allow: EMPTY_ALLOW_LIST })).toEqual({
      ok: true,
      value: [{ address: '93.184.215.14', family: 4 }],
    });
  });

  it('accepts what configuration allows, by address, range or name, and nothing beside it', async () => {
    const allow = allowList('127.0.0.1, 10.20.0.0/16, localhost');
    expect((await resolveAndCheckHost('127.0.0.1', { allow })).ok).toBe(true);
    expect((await resolveAndCheckHost('2130706433', { allow })).ok).toBe(true);
    expect((await resolveAndCheckHost('10.20.3.4', { allow })).ok).toBe(true);
    expect((await resolveAndCheckHost('localhost', { allow })).ok).toBe(true);
    expect((await resolveAndCheckHost('10.21.0.1', { allow })).ok).toBe(false);
    expect((await resolveAndCheckHost('127.0.0.2', { allow })).ok).toBe(false);
    expect((await resolveAndCheckHost('169.254.169.254', { allow })).ok).toBe(false);
  });
});

describe('parseAllowList', () => {
  it('reads names, addresses and ranges, ignoring blanks', () => {
    const parsed = parseAllowList(' localhost, 127.0.0.1 ,, ::1, 10.0.0.0/8, [fd00::1], IdP.Corp.Internal. ');
    expect(parsed.ok && parsed.value.entries).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
      '10.0.0.0/8',
      'fd00::1',
      'idp.corp.internal',
    ]);
  });

  it.each(['10.0.0.0/33', 'http://localhost', 'a b', '10.0.0.0/8/1', 'host:5432'])(
    'refuses the whole list for a bad entry: %s',
    (entry) => {
      const parsed = parseAllowList(`localhost,${entry}`);
      expect(!parsed.ok && parsed.error.code).toBe('net.bad_allow_list');
    },
  );

  it('is empty when unset', () => {
    expect(parseAllowList(undefined)).toMatchObject({ ok: true, value: { entries: [] } });
  });
});
