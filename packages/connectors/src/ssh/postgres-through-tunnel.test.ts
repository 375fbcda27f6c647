import { createTestWarehouse, TEST_READER_PASSWORD, type TestWarehouse } from '@quarry/db/testing';
import { EMPTY_ALLOW_LIST, LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresConnector } from '../postgres/connector';
import { postgresKind } from '../postgres/kind';
import { bindConnector } from '../registry/bound-connector';
import type { StreamEvent } from '../types';
import type { SshTunnelConfig } from './fields';
import { sshdAvailable, startSshd, type TestSshd } from './testing/sshd';
import { withTunnel } from './tunneled-connector';

/**
 * The PostgreSQL connector through a real sshd: TLS still runs end to end with the database over
 * the tunnel's channel. The SSH host (loopback here) is allowed; the database behind it is the
 * bastion's to reach, and the query is seen going through an SSH session.
 */
let sshd: TestSshd;
let warehouse: TestWarehouse;
let tunnel: SshTunnelConfig;

const context = { allow: LOOPBACK_ALLOW_LIST, timeoutMs: 10_000 };
const connector = postgresConnector(postgresKind);
const tunneled = () =>
  withTunnel(
    bindConnector(connector, connector.configFrom(warehouse.settings, { password: TEST_READER_PASSWORD })),
    tunnel,
    { pinned: sshd.hostKey, purpose: 'use' },
  );

describe.skipIf(!sshdAvailable(process.env.CI === 'true'))('PostgreSQL through an SSH tunnel', () => {
  beforeAll(async () => {
    sshd = await startSshd();
    warehouse = await createTestWarehouse({ orders: 5 });
    tunnel = { host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.key.privateKey };
  });
  afterAll(async () => {
    await warehouse?.drop();
    await sshd?.stop();
  });

  it('tests and streams rows over TLS inside the tunnel, through an SSH session', async () => {
    const tested = await tunneled().test(context);
    if (!tested.ok) throw new Error(`${tested.error.code}: ${tested.error.internal ?? tested.error.message}`);
    const events: StreamEvent[] = [];
    let sessionsWhileReading = 0;
    for await (const event of tunneled().stream(
      { sql: 'select id from orders where id <= $1 order by id', params: [3], rowLimit: 10 },
      context,
    )) {
      if (event.type === 'columns') sessionsWhileReading = sshd.sessions();
      events.push(event);
    }
    expect(sessionsWhileReading).toBeGreaterThan(0);
    expect(events.map((event) => event.type)).toEqual(['columns', 'rows', 'end']);
    expect(events.flatMap((event) => (event.type === 'rows' ? event.rows : []))).toEqual([
      ['1'],
      ['2'],
      ['3'],
    ]);
  });

  it("passes the server's own COPY text through the tunnel, as it would directly", async () => {
    const streamText = tunneled().streamText;
    if (!streamText) throw new Error('a tunneled PostgreSQL connection should pass COPY text through');
    const kinds: string[] = [];
    let text = '';
    for await (const event of streamText(
      { sql: 'select id from orders where id <= 3 order by id', params: [], rowLimit: 10 },
      context,
    )) {
      kinds.push(event.type);
      if (event.type === 'copy') text += event.text.toString('utf8');
    }
    expect(kinds[0]).toBe('columns');
    expect(kinds.at(-1)).toBe('end');
    expect(kinds).toContain('copy');
    expect(text).toBe('1\n2\n3\n');
    // The tunnel is closed when the stream ends; sshd's own session ends a moment later (seen as 1
    // when read at once on a loaded CI machine).
    const until = Date.now() + 5_000;
    while (sshd.sessions() !== 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(sshd.sessions()).toBe(0);
  });

  it('refuses the same connection without the tunnel, where loopback is not allowed (CONN-2)', async () => {
    const direct = bindConnector(
      connector,
      connector.configFrom(warehouse.settings, { password: TEST_READER_PASSWORD }),
    );
    const tested = await direct.test({ ...context, allow: EMPTY_ALLOW_LIST });
    expect(!tested.ok && tested.error.code).toBe('net.address_refused');
  });
});
