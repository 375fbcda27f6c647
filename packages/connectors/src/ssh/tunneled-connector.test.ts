import { EMPTY_ALLOW_LIST } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlConnectors } from '../mysql/index';
import {
  createMysqlTestDatabase,
  loopbackContext,
  type MysqlTestDatabase,
  mysqlTestUrl,
} from '../mysql/testing';
import { bindConnector } from '../registry/bound-connector';
import type { StreamEvent } from '../types';
import type { SshTunnelConfig } from './fields';
import { generateKey, sshdAvailable, startSshd, type TestSshd } from './testing/sshd';
import { type HostKeyPin, type TunneledTestOutcome, withTunnel } from './tunneled-connector';

const url = mysqlTestUrl(process.env);
const [mysql] = mysqlConnectors;
if (!mysql) throw new Error('no MySQL connector');
const connector = mysql;

let sshd: TestSshd;
let db: MysqlTestDatabase;
let tunnel: SshTunnelConfig;

/** The MySQL connector of the test database, through the test sshd, pinned as told. */
const tunneled = (pin: HostKeyPin, overrides: { port?: number } = {}) =>
  withTunnel(bindConnector(connector, { ...db.config, ...overrides }), tunnel, pin);

async function collect(stream: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

async function sessionsSettleAt(expected: number): Promise<number> {
  const until = Date.now() + 5_000;
  while (sshd.sessions() !== expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return sshd.sessions();
}

describe.skipIf(!sshdAvailable(process.env.CI === 'true') || !url)('a connector through withTunnel', () => {
  beforeAll(async () => {
    sshd = await startSshd();
    db = await createMysqlTestDatabase(url as URL);
    tunnel = { host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.key.privateKey };
  });
  afterAll(async () => {
    await db?.drop();
    await sshd?.stop();
  });

  it('tests through a server not pinned yet and reports its key, leaving no SSH session behind', async () => {
    const result = await tunneled({ pinned: null, purpose: 'test' }).test(loopbackContext());
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.internal ?? result.error.message}`);
    expect(result.value.serverVersion).toMatch(/MariaDB/);
    expect((result.value as TunneledTestOutcome).sshHostKey).toBe(sshd.hostKey);
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('runs a query through the pinned server, with bound parameters, and closes the tunnel at the end', async () => {
    const events = await collect(
      tunneled({ pinned: sshd.hostKey, purpose: 'use' }).stream(
        { sql: 'select ? + 1 as answer', params: [41], rowLimit: 10 },
        loopbackContext(),
      ),
    );
    expect(events.map((event) => event.type)).toEqual(['columns', 'rows', 'end']);
    const rows = events.flatMap((event) => (event.type === 'rows' ? event.rows : []));
    expect(String(rows[0]?.[0])).toBe('42');
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('introspects and cancels through the pinned server', async () => {
    await db.admin.query('CREATE TABLE through_tunnel (id INT PRIMARY KEY, note VARCHAR(20))');
    const pinned = tunneled({ pinned: sshd.hostKey, purpose: 'use' });
    const read = await pinned.introspect({ include: [], exclude: [] }, loopbackContext());
    if (!read.ok) throw new Error(read.error.code);
    const table = read.value.find((t) => t.name === 'through_tunnel');
    expect(table?.columns.map((c) => c.name)).toEqual(['id', 'note']);
    const cancelled = await pinned.cancel('quarry-run-none', loopbackContext());
    expect(cancelled).toEqual({ ok: true, value: 0 });
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('refuses to run through a server whose key is not pinned yet, before connecting to it', async () => {
    const before = sshd.log().length;
    const events = await collect(
      tunneled({ pinned: null, purpose: 'use' }).stream(
        { sql: 'select 1', params: [], rowLimit: 10 },
        loopbackContext(),
      ),
    );
    expect(events).toEqual([
      {
        type: 'error',
        error: expect.objectContaining({
          code: 'ssh.host_key_not_pinned',
          hint: expect.stringContaining("Test the connection to pin the SSH server's host key"),
        }),
      },
    ]);
    const introspected = await tunneled({ pinned: null, purpose: 'use' }).introspect(
      { include: [], exclude: [] },
      loopbackContext(),
    );
    expect(introspected.ok || introspected.error.code).toBe('ssh.host_key_not_pinned');
    expect(sshd.log().slice(before)).not.toMatch(/Connection from/);
  });

  it('refuses a server that presents another key than the one pinned, for tests and runs alike', async () => {
    const other = generateKey(sshd.dir).fingerprint;
    const tested = await tunneled({ pinned: other, purpose: 'test' }).test(loopbackContext());
    expect(tested.ok || tested.error.code).toBe('ssh.host_key_changed');
    const events = await collect(
      tunneled({ pinned: other, purpose: 'use' }).stream(
        { sql: 'select 1', params: [], rowLimit: 10 },
        loopbackContext(),
      ),
    );
    expect(events[0]?.type === 'error' && events[0].error.code).toBe('ssh.host_key_changed');
    expect(events).toHaveLength(1);
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('refuses the SSH host by the address policy whatever the database host (CONN-2)', async () => {
    const result = await tunneled({ pinned: null, purpose: 'test' }).test(
      loopbackContext({ allow: EMPTY_ALLOW_LIST }),
    );
    expect(result.ok || result.error.code).toBe('ssh.address_refused');
  });

  it('says when the SSH server cannot reach the database, and still closes the tunnel', async () => {
    const result = await tunneled({ pinned: sshd.hostKey, purpose: 'test' }, { port: 1 }).test(
      loopbackContext(),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('ssh.target_unreachable');
      expect(JSON.stringify({ ...result.error, internal: undefined })).not.toContain('127.0.0.1');
    }
    const events = await collect(
      tunneled({ pinned: sshd.hostKey, purpose: 'use' }, { port: 1 }).stream(
        { sql: 'select 1', params: [], rowLimit: 10 },
        loopbackContext(),
      ),
    );
    expect(events.map((event) => (event.type === 'error' ? event.error.code : event.type))).toEqual([
      'ssh.target_unreachable',
    ]);
    expect(await sessionsSettleAt(0)).toBe(0);
  });
});
