import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { type ApiHarness, createApiHarness, loopbackSettings, refusal } from '@quarry/api/testing';
import type { RunningWorker } from '@quarry/query-runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner } from './testing/start-test-runner';

/**
 * CONN-1 and CONN-2 end to end: the API refuses what is not a structured field, and a runner with
 * no private host allowed refuses every way of spelling loopback or a metadata address, before any
 * socket opens. A listener on loopback counts every connection it is offered: it must see none.
 */
let h: ApiHarness;
let runner: RunningWorker;
let listener: Server;
let port = 0;
let accepted = 0;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  runner = await startTestRunner({
    databaseUrl: h.database.url,
    masterKey: h.masterKey,
    // Nothing private is allowed: the address policy as a real deployment has it.
    allowPrivateHosts: '',
  });
  listener = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  port = typeof address === 'object' && address ? address.port : 0;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve));
  await runner?.stop();
  await h?.close();
});

const settings = (host: string, extra: Record<string, unknown> = {}) =>
  loopbackSettings(port, { host, ...extra });

/** Loopback and metadata addresses, spelled every way an attacker might. */
const HOSTS = [
  ['loopback as an integer', '2130706433'],
  ['loopback in hex', '0x7f000001'],
  ['loopback in octal', '0177.0.0.1'],
  ['loopback shortened', '127.1'],
  ['loopback as IPv4-mapped IPv6', '[::ffff:127.0.0.1]'],
  ['IPv6 loopback', '[::1]'],
  ['a name that resolves to loopback', 'localhost'],
  ['the metadata address', '169.254.169.254'],
  ['the metadata name', 'metadata.google.internal'],
] as const;

describe('CONN-1: only structured fields reach the runner', () => {
  it('refuses a connection string, a file-reading driver option and server options, naming the field', async () => {
    const admin = await h.as(h.a, 'admin');
    const attempts: Array<[Record<string, unknown>, string]> = [
      [{ connectionString: `postgres://reader@127.0.0.1:${port}/analytics` }, 'connectionString'],
      [{ url: `postgres://127.0.0.1:${port}` }, 'url'],
      [{ sslrootcert: '/etc/passwd' }, 'sslrootcert'],
      [{ options: '-c log_statement=all' }, 'options'],
    ];
    for (const [extra, field] of attempts) {
      const refused = await refusal(
        admin.connections.testNew({ kind: 'postgres', settings: settings('db.example.com', extra) }),
      );
      expect(refused, field).toMatchObject({ quarry: 'connections.invalid_settings', details: { field } });
      expect(refused.message).toContain(field);
    }
    for (const host of ['/var/run/postgresql', '127.0.0.1/x', 'host=127.0.0.1 sslrootcert=/etc/passwd']) {
      const refused = await refusal(
        admin.connections.testNew({ kind: 'postgres', settings: settings(host) }),
      );
      expect(refused, host).toMatchObject({
        quarry: 'connections.invalid_settings',
        details: { field: 'host' },
      });
    }
    expect(accepted).toBe(0);
  });
});

describe('CONN-2: hosts are resolved and checked at connect time', () => {
  it.each(HOSTS)('refuses %s (%s) with a clear error, contacting nothing', async (_what, host) => {
    const admin = await h.as(h.a, 'admin');
    const refused = await refusal(
      admin.connections.testNew({
        kind: 'postgres',
        settings: settings(host),
        secrets: { password: randomUUID() },
      }),
    );
    expect(refused.quarry).toBe('net.address_refused');
    expect(refused.message.length).toBeGreaterThan(10);
    expect(accepted).toBe(0);
  });

  it('gives a non-Admin the same address refusal, so they know what to change', async () => {
    const editor = await h.as(h.a, 'editor');
    const refused = await refusal(
      editor.connections.testNewForProject({
        projectId: h.a.projectId,
        kind: 'postgres',
        settings: settings('2130706433'),
      }),
    );
    expect(refused.quarry).toBe('net.address_refused');
    expect(accepted).toBe(0);
  }, 30_000);

  it('refuses a saved connection to a disguised loopback address on test and on every run', async () => {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const saved = await admin.connections.create({
      name: 'disguised loopback',
      kind: 'postgres',
      settings: settings('0x7f000001'),
      secrets: { password: randomUUID() },
    });
    expect((await refusal(admin.connections.test({ connectionId: saved.id }))).quarry).toBe(
      'net.address_refused',
    );

    await admin.connections.importIntoProject({ projectId: h.a.projectId, connectionId: saved.id });
    await editor.projects.updateCell({
      projectId: h.a.projectId,
      cellId: h.a.cellId,
      source: 'select 1',
      connectionId: saved.id,
    });
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' });
    const deadline = Date.now() + 20_000;
    let row: { status: string; error: unknown } | undefined;
    while (Date.now() < deadline) {
      [row] = await h.database.sql<{ status: string; error: unknown }[]>`
        select status, error from runs where id = ${run.id}`;
      if (row?.status === 'failed' || row?.status === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row).toMatchObject({ status: 'failed', error: { code: 'net.address_refused' } });
    expect(accepted).toBe(0);
  }, 30_000);
});
