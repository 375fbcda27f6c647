import { connectorFor, postgresConfigFrom, postgresKind } from '@quarry/connectors';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { describe, expect, it } from 'vitest';
import { fakePostgres } from './fake-postgres';

// The attack tests assert that no stored password reaches this collector; that proves something
// only if the collector would get one that was sent. It must, over TLS as Quarry connects.
describe('the fake PostgreSQL of the attack tests', () => {
  it('collects the password of a connection that reaches it with require (TLS, certificate unchecked)', async () => {
    const collector = await fakePostgres();
    try {
      const connector = connectorFor(postgresKind.kind);
      if (!connector) throw new Error('postgres is registered');
      const settings = {
        host: '127.0.0.1',
        port: collector.port,
        database: 'analytics',
        username: 'victim',
        sslMode: 'require',
      };
      const outcome = await connector.test(postgresConfigFrom(settings, { password: 'sent over TLS' }), {
        allow: LOOPBACK_ALLOW_LIST,
        timeoutMs: 5_000,
      });
      expect(outcome.ok).toBe(false);
      expect(collector.passwords).toContain('sent over TLS');
    } finally {
      await collector.close();
    }
  });
});
