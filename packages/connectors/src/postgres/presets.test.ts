import { describe, expect, it } from 'vitest';
import { describeKind } from '../registry/describe-kind';
import { postgresConfigFrom } from './kind';
import { POSTGRES_FAMILY } from './presets';

const good = { host: 'db.example.com', database: 'analytics', username: 'reader' };
const kindOf = (id: string) => {
  const kind = POSTGRES_FAMILY.find((k) => k.kind === id);
  if (!kind) throw new Error(`no preset ${id}`);
  return kind;
};

describe('the PostgreSQL family', () => {
  it('puts PostgreSQL first, then one preset per kind id', () => {
    expect(POSTGRES_FAMILY.map((k) => k.kind)).toEqual([
      'postgres',
      'redshift',
      'alloydb',
      'cloudsql_postgres',
      'cockroachdb',
      'materialize',
      'postgres_pooler',
    ]);
  });

  it.each([
    ['postgres', 1, 5432, 'require'],
    ['redshift', 2, 5439, 'verify-full'],
    ['alloydb', 1, 5432, 'require'],
    ['cloudsql_postgres', 1, 5432, 'require'],
    ['cockroachdb', 3, 26257, 'verify-full'],
    ['materialize', 3, 6875, 'verify-full'],
    ['postgres_pooler', 2, 6543, 'require'],
  ])('declares %s with tier %i, port %i and TLS %s by default, TLS-only', (id, tier, port, mode) => {
    const kind = kindOf(id);
    expect(kind).toMatchObject({ tier, defaultPort: port, dialect: 'postgresql' });
    expect(kind.tls).toEqual({
      requirement: 'required',
      modes: ['require', 'verify-ca', 'verify-full'],
      default: mode,
    });
    // The form shows the same default the parse fills in.
    const info = describeKind(kind);
    const byName = Object.fromEntries(info.fields.map((f) => [f.name, f]));
    expect(byName.port?.default).toBe(port);
    expect(byName.sslMode?.default).toBe(mode);
    const parsed = kind.settings.parse(good);
    expect(parsed).toMatchObject({ ...good, port, sslMode: mode });
    // …and the PostgreSQL driver takes it unchanged.
    expect(postgresConfigFrom(parsed, { password: 'pw' })).toMatchObject({
      port,
      sslMode: mode,
      password: 'pw',
    });
  });

  it("shares PostgreSQL's connection and TLS fields, and refuses a stranger and TLS off in every preset", () => {
    for (const kind of POSTGRES_FAMILY) {
      expect(Object.keys(kind.settings.shape)).toEqual(
        expect.arrayContaining([
          'host',
          'port',
          'database',
          'username',
          'sslMode',
          'caCertificate',
          'clientCertificate',
        ]),
      );
      expect(Object.keys(kind.secrets.shape)).toEqual(expect.arrayContaining(['password', 'clientKey']));
      expect(kind.settings.safeParse({ ...good, sslrootcert: '/etc/passwd' }).success).toBe(false);
      expect(kind.settings.safeParse({ ...good, sslMode: 'disable' }).success).toBe(false);
    }
  });

  it('checks the same cross-field rules in every preset (verify-ca needs a CA)', () => {
    for (const kind of POSTGRES_FAMILY) {
      const settings = kind.settings.parse({ ...good, sslMode: 'verify-ca' });
      expect(kind.check?.(settings, {})).toMatchObject({ field: 'caCertificate' });
    }
  });
});
