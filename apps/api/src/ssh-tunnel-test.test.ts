import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { type ApiHarness, createApiHarness, refusal } from '@quarry/api/testing';
import { TUNNEL_OPEN_TIMEOUT_MS } from '@quarry/connectors';
import { sshdAvailable, startSshd, type TestSshd } from '@quarry/connectors/testing/sshd';
import type { RunningWorker } from '@quarry/query-runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner } from './testing/start-test-runner';

/** The API's floor for a non-Admin's failed test (NON_ADMIN_TEST_FLOOR_MS in @quarry/api's test service). */
const NON_ADMIN_TEST_FLOOR_MS = 13_000;

let h: ApiHarness;
let runner: RunningWorker;
let sshd: TestSshd;
let closedPort: number;

async function unusedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** MariaDB-protocol settings through the test sshd, to `port` as the SSH server sees it. */
const tunneled = (over: { port?: number; sshPort?: number } = {}) => ({
  host: '127.0.0.1',
  port: over.port ?? 3306,
  database: 'test',
  username: 'root',
  sslMode: 'disable',
  sshHost: sshd.host,
  sshPort: over.sshPort ?? sshd.port,
  sshUsername: sshd.username,
});

describe.skipIf(!sshdAvailable(process.env.CI === 'true'))('CONN-3 through an SSH tunnel', () => {
  beforeAll(async () => {
    h = await createApiHarness({ orders: 1 });
    runner = await startTestRunner({ databaseUrl: h.database.url, masterKey: h.masterKey });
    sshd = await startSshd();
    closedPort = await unusedPort();
  }, 60_000);
  afterAll(async () => {
    await runner?.stop();
    await sshd?.stop();
    await h?.close();
  });

  it('answers an Editor identically, past the floor and the tunnel, for a closed SSH port and a target the SSH server cannot reach', async () => {
    const editor = await h.as(h.a, 'editor');
    const test = async (settings: ReturnType<typeof tunneled>) => {
      const started = Date.now();
      const refused = await refusal(
        editor.connections.testNewForProject({
          projectId: h.a.projectId,
          kind: 'mysql',
          settings,
          secrets: { password: randomUUID(), sshPrivateKey: sshd.key.privateKey },
        }),
      );
      return { ...refused, elapsed: Date.now() - started };
    };
    const [sshClosed, targetClosed] = await Promise.all([
      test(tunneled({ sshPort: closedPort })),
      test(tunneled({ port: closedPort })),
    ]);
    expect(sshClosed.quarry).toBe('connections.test_failed');
    expect({ code: targetClosed.code, quarry: targetClosed.quarry, message: targetClosed.message }).toEqual({
      code: sshClosed.code,
      quarry: sshClosed.quarry,
      message: sshClosed.message,
    });
    for (const answer of [sshClosed, targetClosed]) {
      expect(answer.elapsed).toBeGreaterThanOrEqual(NON_ADMIN_TEST_FLOOR_MS + TUNNEL_OPEN_TIMEOUT_MS);
    }
  }, 60_000);

  it('tells an Admin which side failed, and shows the SSH server key a passing test saw', async () => {
    const admin = await h.as(h.a, 'admin');
    const test = (settings: ReturnType<typeof tunneled>) =>
      admin.connections.testNew({
        kind: 'mysql',
        settings,
        secrets: { sshPrivateKey: sshd.key.privateKey },
      });
    const [sshClosed, targetClosed] = await Promise.all([
      refusal(test(tunneled({ sshPort: closedPort }))),
      refusal(test(tunneled({ port: closedPort }))),
    ]);
    expect(sshClosed.quarry).toBe('ssh.unreachable');
    expect(targetClosed.quarry).toBe('ssh.target_unreachable');
    expect(`${sshClosed.text} ${targetClosed.text}`).not.toContain(String(closedPort));
    const passed = await test(tunneled());
    expect(passed).toMatchObject({
      ok: true,
      sshHostKey: sshd.hostKey,
      serverVersion: expect.stringMatching(/MariaDB/),
    });
  }, 60_000);

  it('pins the key when the form tests a saved connection as it is, not when it tests edits', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await admin.connections.create({
      name: `tunnel ${randomUUID().slice(0, 8)}`,
      kind: 'mysql',
      settings: tunneled(),
      secrets: { sshPrivateKey: sshd.key.privateKey },
    });
    // The form sends every field, secrets blank: with nothing changed it is the saved connection's test.
    const edited = await admin.connections.test({
      connectionId: created.id,
      settings: tunneled({ port: 3306 }),
      secrets: { sshPrivateKey: '' },
    });
    expect(edited).toMatchObject({ ok: true, sshHostKey: sshd.hostKey });
    expect((await admin.connections.get({ connectionId: created.id })).sshHostKey).toBe(sshd.hostKey);

    await admin.connections.forgetSshHostKey({ connectionId: created.id });
    const probe = await admin.connections.test({
      connectionId: created.id,
      settings: { ...tunneled(), database: 'mysql' },
      secrets: {},
    });
    expect(probe).toMatchObject({ ok: true, sshHostKey: sshd.hostKey });
    expect((await admin.connections.get({ connectionId: created.id })).sshHostKey).toBeNull();
  }, 60_000);
});
