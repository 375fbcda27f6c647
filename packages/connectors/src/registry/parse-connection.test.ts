import { describe, expect, it } from 'vitest';
import { describeKind } from './describe-kind';
import { connectorKind } from './kinds';
import { parseConnection } from './parse-connection';

const good = { host: 'db.example.com', port: 5432, database: 'analytics', username: 'reader' };

const refusal = (settings: Record<string, unknown>, secrets: Record<string, string> = {}) => {
  const parsed = parseConnection({ kind: 'postgres', settings, secrets });
  if (parsed.ok) throw new Error('expected a refusal');
  return parsed.error;
};

describe('the PostgreSQL kind', () => {
  it('fills the defaults: port 5432 and TLS required', () => {
    const parsed = parseConnection({
      kind: 'postgres',
      settings: { host: 'db.example.com', database: 'analytics', username: 'reader' },
      secrets: { password: 'pw' },
    });
    expect(parsed.ok && parsed.value.settings).toEqual({ ...good, sslMode: 'require' });
  });

  it.each([
    ['a connection string', { ...good, connectionString: 'postgres://u:p@h/db' }, 'connectionString'],
    ['a driver option that reads a file', { ...good, sslrootcert: '/etc/passwd' }, 'sslrootcert'],
    ['server options', { ...good, options: '-c search_path=evil' }, 'options'],
  ])('refuses %s as an unknown field, naming it', (_what, settings, field) => {
    const error = refusal(settings);
    expect(error.code).toBe('connections.invalid_settings');
    expect(error.details.field).toBe(field);
    expect(error.hint).toMatch(/no connection strings/);
  });

  it.each([
    ['a socket path', '/var/run/postgresql'],
    ['a URL', 'postgres://db.example.com'],
    ['a host with options', 'db.example.com?sslmode=disable'],
    ['user-info', 'user@db.example.com'],
    ['whitespace', 'db example.com'],
    ['a port after the name', 'db.example.com:5432'],
    ['a port after an address', '127.0.0.1:5432'],
  ])('refuses %s as the host, beside the host field', (_what, host) => {
    const error = refusal({ ...good, host });
    expect(error.details.field).toBe('host');
    expect(error.message).toMatch(/host name or an IP address|Port field/);
  });

  it('takes IPv6 addresses, bare or in brackets', () => {
    for (const host of ['::1', '[2001:db8::5]', 'fd00::1']) {
      expect(parseConnection({ kind: 'postgres', settings: { ...good, host }, secrets: {} }).ok).toBe(true);
    }
  });

  it('refuses an unknown secret field and a kind that does not exist', () => {
    expect(refusal(good, { sslkey: 'x' }).details.field).toBe('sslkey');
    const unknown = parseConnection({ kind: 'oracle', settings: good, secrets: {} });
    expect(!unknown.ok && unknown.error.code).toBe('connections.unknown_kind');
  });

  it('keeps a stored secret when the edit sends it blank, and takes a new one when sent', () => {
    const kept = parseConnection({
      kind: 'postgres',
      settings: good,
      secrets: { password: '' },
      stored: { password: 'old' },
    });
    expect(kept.ok && kept.value.secrets).toEqual({ password: 'old' });
    const changed = parseConnection({
      kind: 'postgres',
      settings: good,
      secrets: { password: 'new' },
      stored: { password: 'old' },
    });
    expect(changed.ok && changed.value.secrets).toEqual({ password: 'new' });
  });

  it('accepts a draft with missing fields, never with unknown ones', () => {
    const draft = parseConnection({
      kind: 'postgres',
      settings: { host: 'db.example.com' },
      secrets: {},
      draft: true,
    });
    expect(draft.ok).toBe(true);
    const smuggled = parseConnection({
      kind: 'postgres',
      settings: { options: '-c x=y' },
      secrets: {},
      draft: true,
    });
    expect(!smuggled.ok && smuggled.error.details.field).toBe('options');
  });

  it('describes its form from its schemas: sections, defaults, options, and the password as a secret', () => {
    const kind = connectorKind('postgres');
    if (!kind) throw new Error('postgres is registered');
    const info = describeKind(kind);
    expect(info).toMatchObject({
      kind: 'postgres',
      tier: 1,
      defaultPort: 5432,
      tls: { requirement: 'required' },
    });
    const byName = Object.fromEntries(info.fields.map((f) => [f.name, f]));
    expect(byName.host).toMatchObject({
      section: 'connection',
      input: 'text',
      required: true,
      secret: false,
    });
    expect(byName.port).toMatchObject({
      input: 'integer',
      default: 5432,
      required: false,
      min: 1,
      max: 65535,
    });
    expect(byName.sslMode).toMatchObject({ section: 'tls', input: 'select', default: 'require' });
    expect(byName.sslMode?.options?.map((o) => o.value)).toEqual(['disable', 'require', 'verify-full']);
    expect(byName.password).toMatchObject({ section: 'credentials', input: 'secret', secret: true });
  });
});
