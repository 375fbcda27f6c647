import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildClaims,
  generateIdentityKey,
  identityCacheKey,
  identityKeyId,
  type ReaderIdentity,
  signClaims,
} from './claims';
import { identityInstallSql, identityKeyRevokeSql, identityKeySql } from './install-sql';
import { samplePolicySql } from './sample-policy';
import { identityConfigFrom } from './settings';

// A key made per run, never a literal: nothing here depends on its value.
const KEY = generateIdentityKey();
const reader: ReaderIdentity = {
  userId: 'usr_1',
  email: 'one@example.com',
  workspaceId: 'wsp_1',
  groups: [
    { id: 'grp_b', name: 'B' },
    { id: 'grp_a', name: 'A' },
  ],
};
const session = { pid: 4242, xs: '2026-11-27T20:35:21.123456Z' };

describe('buildClaims', () => {
  it('takes issue and expiry from the server’s transaction start, never the runner’s clock', () => {
    const claims = buildClaims({ reader, runId: 'run_1', session, ttlMs: 90_000 });

    expect(claims).toEqual({
      v: 1,
      sub: 'usr_1',
      email: 'one@example.com',
      ws: 'wsp_1',
      groups: reader.groups,
      run: 'run_1',
      iat: Date.UTC(2026, 10, 27, 20, 35, 21) / 1000,
      exp: Date.UTC(2026, 10, 27, 20, 36, 52) / 1000,
      pid: 4242,
      xs: '2026-11-27T20:35:21.123456Z',
    });
  });

  it('refuses session facts that are not what the server writes', () => {
    expect(() =>
      buildClaims({ reader, runId: 'r', session: { pid: 1, xs: '2026-11-27 20:35:21' }, ttlMs: 1 }),
    ).toThrow();
    expect(() => buildClaims({ reader, runId: 'r', session: { ...session, pid: 0 }, ttlMs: 1 })).toThrow();
  });
});

describe('signClaims', () => {
  it('writes v1.<key id>.<base64 JSON>.<HMAC-SHA256 hex over the rest>, as the verifier expects', () => {
    const claims = buildClaims({ reader, runId: 'run_1', session, ttlMs: 1000 });
    const token = signClaims(claims, KEY);
    const [version, kid, payload, mac] = token.split('.');

    // The verifier's own pattern (install-sql.ts): a token that fails it is never decoded.
    expect(token).toMatch(/^v1[.][0-9a-f]{16}[.][A-Za-z0-9+/]+={0,2}[.][0-9a-f]{64}$/);
    expect(version).toBe('v1');
    expect(kid).toBe(identityKeyId(KEY));
    expect(JSON.parse(Buffer.from(String(payload), 'base64').toString())).toEqual(claims);
    expect(mac).toBe(
      createHmac('sha256', Buffer.from(KEY, 'hex')).update(`v1.${kid}.${payload}`).digest('hex'),
    );
  });

  it('signs differently under another key, and refuses a key that is not 32 bytes of hex', () => {
    const claims = buildClaims({ reader, runId: 'run_1', session, ttlMs: 1000 });

    expect(signClaims(claims, generateIdentityKey())).not.toBe(signClaims(claims, KEY));
    expect(() => signClaims(claims, 'short')).toThrow();
    expect(() => signClaims(claims, 'A'.repeat(64))).toThrow();
  });

  it('derives a 16-hex key id that differs per key and is not a prefix of the key', () => {
    const other = generateIdentityKey();

    expect(identityKeyId(KEY)).toMatch(/^[0-9a-f]{16}$/);
    expect(identityKeyId(other)).not.toBe(identityKeyId(KEY));
    expect(other.startsWith(identityKeyId(other))).toBe(false);
  });
});

describe('identityCacheKey', () => {
  const base = identityCacheKey(reader);

  it.each([
    ['another user', { userId: 'usr_2' }],
    ['another email', { email: 'two@example.com' }],
    ['another workspace', { workspaceId: 'wsp_2' }],
    ['one group fewer', { groups: [{ id: 'grp_a', name: 'A' }] }],
    [
      'a renamed group',
      {
        groups: [
          { id: 'grp_a', name: 'A2' },
          { id: 'grp_b', name: 'B' },
        ],
      },
    ],
  ])('differs for %s', (_, change) => {
    expect(identityCacheKey({ ...reader, ...change })).not.toBe(base);
  });

  it('is the same whatever the order of the groups', () => {
    expect(identityCacheKey({ ...reader, groups: [...reader.groups].reverse() })).toBe(base);
  });
});

describe('identityConfigFrom', () => {
  it('is off unless the connection says so', () => {
    expect(identityConfigFrom({}, {})).toEqual({ ok: true, value: null });
    expect(identityConfigFrom({ passIdentity: false }, { identityKey: KEY })).toEqual({
      ok: true,
      value: null,
    });
  });

  it('answers the schema and key when on', () => {
    expect(identityConfigFrom({ passIdentity: true }, { identityKey: KEY })).toEqual({
      ok: true,
      value: { schema: 'quarry_identity', key: KEY },
    });
  });

  it('refuses to run without identity when it is on but the key is missing or malformed', () => {
    for (const secrets of [{}, { identityKey: 'not hex' }] as Record<string, string>[]) {
      const result = identityConfigFrom({ passIdentity: true }, secrets);
      expect(result.ok ? null : result.error.code).toBe('connector.identity_key_missing');
    }
  });
});

describe('the generated SQL', () => {
  it.each([
    ['a schema with a quote', { schema: 'a"b', readerRoles: ['r'] }],
    ['a schema with a dollar', { schema: 'a$b', readerRoles: ['r'] }],
    ['a reader role with a semicolon', { readerRoles: ['r; drop table t'] }],
    ['an owner role with a space', { readerRoles: ['r'], ownerRole: 'o o' }],
    ['no reader role', { readerRoles: [] }],
    ['a reader that is the owner', { readerRoles: ['quarry_identity_owner'] }],
  ])('refuses %s', (_, install) => {
    expect(() => identityInstallSql(install)).toThrow();
  });

  it('puts the key only in the key SQL, and a workspace id only from its alphabet', () => {
    const install = identityInstallSql({ readerRoles: ['reader'] });

    expect(install).not.toContain(KEY);
    expect(identityKeySql({ key: KEY, workspaceId: 'wsp_1' })).toContain(KEY);
    expect(identityKeyRevokeSql({ key: KEY })).not.toContain(KEY);
    expect(() => identityKeySql({ key: KEY, workspaceId: "wsp'; drop table x; --" })).toThrow();
  });

  it('pins search_path in every function it creates', () => {
    const install = identityInstallSql({ readerRoles: ['reader'] });
    const functions = install.match(/create or replace function[\s\S]*?\$fn\$/g) ?? [];

    expect(functions).toHaveLength(9);
    for (const f of functions) expect(f).toContain('set search_path = pg_catalog, pg_temp');
  });

  it('writes a policy that verifies once per query, with table and column names checked', () => {
    const policy = samplePolicySql({ table: 'sales.orders', userColumn: 'owner_id', groupColumn: 'team_id' });

    expect(policy).toContain('"owner_id" = (select "quarry_identity".reader_id())');
    expect(policy).toContain('"team_id" = any ((select "quarry_identity".reader_group_ids())::text[])');
    expect(() => samplePolicySql({ table: 'orders; drop', userColumn: 'x' })).toThrow();
  });
});
