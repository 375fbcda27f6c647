import { describe, expect, it } from 'vitest';
import { ownDatabaseFrom, reachesOwnDatabase } from './own-database';

const own = ownDatabaseFrom('postgres://quarry:pw@127.0.0.1:54329/quarry');

describe("Quarry's own database", () => {
  it('reads host, port and database name from DATABASE_URL, and nothing from a socket path', () => {
    expect(own).toEqual({ host: '127.0.0.1', port: 54329, database: 'quarry' });
    expect(ownDatabaseFrom('postgres://[::1]/quarry')).toEqual({
      host: '::1',
      port: 5432,
      database: 'quarry',
    });
    expect(ownDatabaseFrom('postgres:///quarry?host=/var/run/postgresql')).toBeUndefined();
  });

  it.each([
    ['the same address', '127.0.0.1'],
    ['another loopback address', '127.0.0.2'],
    ['IPv6 loopback', '::1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
  ])('is reached through %s on the same port and database', async (_what, address) => {
    if (!own) throw new Error('parsed');
    expect(await reachesOwnDatabase({ address, port: 54329, database: 'quarry' }, own)).toBe(true);
  });

  it('leaves another database of the same server reachable (the demo warehouse), and another port', async () => {
    if (!own) throw new Error('parsed');
    expect(
      await reachesOwnDatabase({ address: '127.0.0.1', port: 54329, database: 'quarry_demo_warehouse' }, own),
    ).toBe(false);
    expect(await reachesOwnDatabase({ address: '127.0.0.1', port: 5432, database: 'quarry' }, own)).toBe(
      false,
    );
    expect(await reachesOwnDatabase({ address: '10.1.2.3', port: 54329, database: 'quarry' }, own)).toBe(
      false,
    );
  });
});
