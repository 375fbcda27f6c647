import { describe, expect, it } from 'vitest';
import { connectionFieldOf } from './connection-field-error';

const POSTGRES = ['host', 'port', 'database', 'username', 'sslMode', 'password'];

const error = (code: string, details?: { field?: string; path?: string }) => ({
  code,
  message: 'm',
  hint: 'h',
  ...(details ? { details: Object.fromEntries(Object.entries(details)) as Record<string, string> } : {}),
});

describe('connectionFieldOf', () => {
  it.each([
    { code: 'connections.invalid_settings', details: { field: 'port' }, field: 'port' },
    { code: 'connections.invalid_settings', details: { field: 'host' }, field: 'host' },
    { code: 'connections.invalid_settings', details: { field: 'nosuchfield' }, field: null },
    { code: 'input.invalid', details: { path: 'name' }, field: 'name' },
    { code: 'input.invalid', details: { path: 'settings.database' }, field: 'database' },
    { code: 'input.invalid', details: { path: 'secrets.password' }, field: 'password' },
    { code: 'connector.auth_failed', field: 'password' },
    { code: 'connector.database_not_found', field: 'database' },
    { code: 'connector.unreachable', field: 'host' },
    { code: 'net.address_refused', field: 'host' },
    { code: 'connector.tls_unavailable', field: 'sslMode' },
    { code: 'connections.name_taken', field: 'name' },
    { code: 'connections.test_timeout', field: null },
    { code: 'connections.cannot_manage', field: null },
  ])('puts $code $details next to $field', ({ code, details, field }) => {
    expect(connectionFieldOf(error(code, details), POSTGRES)).toBe(field);
  });

  it("puts the SSH tunnel's errors beside its fields, and a changed host key at the top", () => {
    const tunneled = [...POSTGRES, 'sshHost', 'sshPort', 'sshUsername', 'sshPrivateKey', 'sshPassphrase'];
    const cases: Array<[string, string | null]> = [
      ['ssh.address_refused', 'sshHost'],
      ['ssh.unreachable', 'sshHost'],
      ['ssh.auth_failed', 'sshPrivateKey'],
      ['ssh.key_invalid', 'sshPrivateKey'],
      ['ssh.key_passphrase', 'sshPassphrase'],
      ['ssh.target_unreachable', 'host'],
      ['ssh.host_key_changed', null],
    ];
    for (const [code, field] of cases) expect(connectionFieldOf(error(code), tunneled), code).toBe(field);
  });

  it('puts a connector error at the top of a form whose kind has no such field', () => {
    expect(connectionFieldOf(error('connector.database_not_found'), ['account', 'token'])).toBeNull();
  });
});
