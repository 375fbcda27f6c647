import { createCertificateAuthority, type Issued, issueClientCertificate } from '@quarry/certificates';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresConfigFrom } from '../postgres/kind';
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
    expect(parsed.ok && parsed.value.settings).toMatchObject({ ...good, sslMode: 'require' });
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
    expect(byName.sslMode?.options?.map((o) => o.value)).toEqual(['require', 'verify-ca', 'verify-full']);
    expect(byName.password).toMatchObject({ section: 'credentials', input: 'secret', secret: true });
    expect(byName.caCertificate).toMatchObject({
      section: 'tls',
      input: 'textarea',
      required: false,
      secret: false,
    });
    expect(byName.clientCertificate).toMatchObject({ section: 'tls', input: 'textarea', required: false });
    expect(byName.clientKey).toMatchObject({ section: 'tls', input: 'secret_textarea', secret: true });
  });
});

describe("the PostgreSQL kind's TLS settings", () => {
  let ca: Issued;
  let otherCa: Issued;
  let client: Issued;
  beforeAll(async () => {
    ca = await createCertificateAuthority('Warehouse CA');
    otherCa = await createCertificateAuthority('Another CA');
    client = await issueClientCertificate(ca, { user: 'reader' });
  });

  const parse = (settings: Record<string, unknown>, secrets: Record<string, string> = {}) =>
    parseConnection({ kind: 'postgres', settings: { ...good, ...settings }, secrets });

  it('refuses TLS turned off, saying connections are always encrypted', () => {
    const error = refusal({ ...good, sslMode: 'disable' });
    expect(error.details.field).toBe('sslMode');
    expect(error.message).toMatch(/always encrypted/);
  });

  it('takes verify-ca with a pasted CA, a bundle of several CAs, and text around the blocks', () => {
    expect(parse({ sslMode: 'verify-ca', caCertificate: ca.certificate }).ok).toBe(true);
    const bundle = `# issued by the warehouse team\n${ca.certificate}\nsubject=CN = Another CA\n${otherCa.certificate}`;
    const parsed = parse({ sslMode: 'verify-ca', caCertificate: bundle });
    expect(parsed.ok && parsed.value.settings.caCertificate).toBe(bundle.trim());
  });

  it('refuses verify-ca without a CA, beside the CA field, but keeps it in a draft', () => {
    const error = refusal({ ...good, sslMode: 'verify-ca' });
    expect(error.details.field).toBe('caCertificate');
    expect(error.hint).toMatch(/Verify certificate and host name/);
    const draft = parseConnection({
      kind: 'postgres',
      settings: { ...good, sslMode: 'verify-ca' },
      secrets: {},
      draft: true,
    });
    expect(draft.ok).toBe(true);
  });

  it('takes verify-full without a CA (the public authorities)', () => {
    expect(parse({ sslMode: 'verify-full' }).ok).toBe(true);
  });

  it.each([
    ['an absolute path', '/etc/ssl/certs/ca.pem'],
    ['a home-relative path', '~/.postgresql/root.crt'],
    ['a relative path', './root.crt'],
    ['a Windows path', 'C:\\certs\\root.crt'],
    ['a file URL', 'file:///etc/passwd'],
    ['a bare file name', 'root.crt'],
  ])('refuses %s as the CA certificate: text, never a file (CONN-1)', (_what, caCertificate) => {
    const error = refusal({ ...good, sslMode: 'verify-ca', caCertificate });
    expect(error.details.field).toBe('caCertificate');
    expect(error.message).toMatch(/not a file path/);
  });

  it.each([
    ['text that is not PEM', 'hello, I am a certificate', /not PEM text/],
    [
      'a PEM block whose body is garbage',
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----',
      /could not be read as an X.509 certificate/,
    ],
    [
      'a block of another kind',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
      /certificates only/,
    ],
  ])('refuses %s as the CA certificate, saying what to paste', (_what, caCertificate, message) => {
    const error = refusal({ ...good, sslMode: 'verify-ca', caCertificate });
    expect(error.details.field).toBe('caCertificate');
    expect(error.message).toMatch(message);
  });

  it('refuses a private key pasted as a certificate, without repeating it', () => {
    const error = refusal({ ...good, clientCertificate: client.privateKey });
    expect(error.details.field).toBe('clientCertificate');
    expect(error.message).toMatch(/private key, not a certificate/);
    expect(JSON.stringify(error)).not.toContain(client.privateKey.split('\n')[1]);
  });

  it('takes a client certificate with its key, the key as a secret', () => {
    const parsed = parse(
      { sslMode: 'verify-ca', caCertificate: ca.certificate, clientCertificate: client.certificate },
      { password: 'pw', clientKey: client.privateKey },
    );
    expect(parsed.ok && parsed.value.secrets.clientKey).toBe(client.privateKey.trim());
    expect(parsed.ok && 'clientKey' in parsed.value.settings).toBe(false);
  });

  it('refuses a client certificate without its key, a key without its certificate, and a key of another certificate', async () => {
    expect(refusal({ ...good, clientCertificate: client.certificate }).details.field).toBe('clientKey');
    expect(refusal(good, { clientKey: client.privateKey }).details.field).toBe('clientCertificate');
    const other = await issueClientCertificate(ca, { user: 'reader' });
    const mismatch = refusal(
      { ...good, clientCertificate: client.certificate },
      { clientKey: other.privateKey },
    );
    expect(mismatch.details.field).toBe('clientKey');
    expect(mismatch.message).toMatch(/does not belong/);
  });

  it.each([
    ['a path', '/root/.postgresql/postgresql.key', /not a file path/],
    ['garbage', 'not a key at all', /not PEM text/],
    ['a certificate', 'CERT', /certificate, not a private key/],
    [
      'a key under a passphrase',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----',
      /passphrase/,
    ],
    [
      'a PEM block whose body is garbage',
      '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----',
      /could not be read as a private key/,
    ],
  ])('refuses %s as the client key, without repeating it', (_what, key, message) => {
    const clientKey = key === 'CERT' ? client.certificate : key;
    const error = refusal({ ...good, clientCertificate: client.certificate }, { clientKey });
    expect(error.details.field).toBe('clientKey');
    expect(error.message).toMatch(message);
    expect(JSON.stringify(error)).not.toContain(clientKey.slice(0, 40));
  });

  it('hands the driver the pasted text and the key, and nothing for fields left blank', () => {
    expect(
      postgresConfigFrom(
        { ...good, sslMode: 'require', caCertificate: '', clientCertificate: '' },
        { password: 'pw' },
      ),
    ).toEqual({ ...good, password: 'pw', sslMode: 'require' });
    expect(
      postgresConfigFrom(
        {
          ...good,
          sslMode: 'verify-ca',
          caCertificate: ca.certificate,
          clientCertificate: client.certificate,
        },
        { clientKey: client.privateKey },
      ),
    ).toEqual({
      ...good,
      password: '',
      sslMode: 'verify-ca',
      caCertificate: ca.certificate,
      clientCertificate: client.certificate,
      clientKey: client.privateKey,
    });
  });
});
