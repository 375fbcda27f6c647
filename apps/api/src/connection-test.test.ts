import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { type ApiHarness, createApiHarness, refusal, warehouseSettings } from '@quarry/api/testing';
import { newId } from '@quarry/db';
import { connectionCredentialsContext, connections } from '@quarry/db/schema';
import type { RunningWorker } from '@quarry/query-runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner } from './testing/start-test-runner';

let h: ApiHarness;
let runner: RunningWorker;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  runner = await startTestRunner({ databaseUrl: h.database.url, masterKey: h.masterKey });
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await h?.close();
});

/** A connection of workspace A to the test warehouse's server, as `username`. */
async function connectionAs(input: {
  username: string;
  port?: number;
  name: string;
  password?: string;
}): Promise<string> {
  const id = newId('connection');
  await h.database.db.insert(connections).values({
    id,
    workspaceId: h.a.workspaceId,
    name: input.name,
    kind: 'postgres',
    settings: {
      host: h.warehouse.reader.host,
      port: input.port ?? h.warehouse.reader.port,
      database: h.warehouse.reader.database,
      username: input.username,
      sslMode: 'verify-ca',
      caCertificate: h.warehouse.settings.caCertificate,
    },
    credentials: h.vault.seal(
      JSON.stringify({ password: input.password ?? randomUUID() }),
      connectionCredentialsContext(h.a.workspaceId, id),
    ),
    createdBy: h.a.users.admin.id,
  });
  return id;
}

describe('connections.test (issue 7, item 12)', () => {
  it('tests the demo connection on the hardened demo warehouse with zero warnings, through the runner', async () => {
    const admin = await h.as(h.a, 'admin');
    const result = await admin.connections.test({ connectionId: h.a.connectionId });
    expect(result).toEqual({
      ok: true,
      latencyMs: expect.any(Number),
      serverVersion: expect.stringMatching(/^\d+/),
      warnings: [],
    });
  });

  it('warns, with the SQL to fix it, when the connection logs in as a superuser', async () => {
    // The TLS test server checks passwords (scram): the superuser's is its admin URL's.
    const password = decodeURIComponent(new URL(h.warehouse.adminUrl).password);
    const connectionId = await connectionAs({ username: 'postgres', name: 'as superuser', password });
    const result = await (await h.as(h.a, 'admin')).connections.test({ connectionId });
    expect(result.warnings).toEqual([
      { code: 'role.superuser', message: expect.any(String), fix: 'ALTER ROLE postgres NOSUPERUSER;' },
    ]);
  });

  it('answers a typed error without the address when nothing listens', async () => {
    const connectionId = await connectionAs({ username: 'quarry_demo_reader', port: 9, name: 'closed port' });
    const refused = await refusal((await h.as(h.a, 'admin')).connections.test({ connectionId }));
    expect(refused.quarry).toBe('connector.unreachable');
    expect(refused.message).not.toMatch(/127\.0\.0\.1|:9\b/);
  });

  it("answers NOT_FOUND for another workspace's connection and sends no job", async () => {
    const refused = await refusal(
      (await h.as(h.a, 'admin')).connections.test({ connectionId: h.b.connectionId }),
    );
    expect(refused.code).toBe('NOT_FOUND');
  });

  it('is for Admins only', async () => {
    for (const role of ['manager', 'editor', 'viewer', 'guest'] as const) {
      const member = await h.as(h.a, role);
      expect((await refusal(member.connections.test({ connectionId: h.a.connectionId }))).code, role).toBe(
        'FORBIDDEN',
      );
    }
  });
});

/** The API's floor for a non-Admin's failed test (NON_ADMIN_TEST_FLOOR_MS in @quarry/api's test service). */
const NON_ADMIN_TEST_FLOOR_MS = 13_000;

/** A loopback port nothing listens on, and one where something that is not PostgreSQL answers. */
async function ports(): Promise<{ closed: number; notPostgres: number; stop: () => Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closed = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const other = createServer((socket) => {
    socket.on('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  return {
    closed,
    notPostgres: (other.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => other.close(() => resolve())),
  };
}

describe('CONN-3: a non-Admin’s test does not tell an open port from a closed one', () => {
  it('answers an Editor identically, and no sooner than the floor, for a closed port and a port that is not PostgreSQL', async () => {
    const { closed, notPostgres, stop } = await ports();
    try {
      const editor = await h.as(h.a, 'editor');
      const test = async (port: number) => {
        const started = Date.now();
        const refused = await refusal(
          editor.connections.testNewForProject({
            projectId: h.a.projectId,
            kind: 'postgres',
            settings: warehouseSettings(h, { port }),
            secrets: { password: randomUUID() },
          }),
        );
        return { ...refused, elapsed: Date.now() - started };
      };
      const [toClosed, toOther] = await Promise.all([test(closed), test(notPostgres)]);
      expect(toClosed.quarry).toBe('connections.test_failed');
      expect({ code: toOther.code, quarry: toOther.quarry, message: toOther.message }).toEqual({
        code: toClosed.code,
        quarry: toClosed.quarry,
        message: toClosed.message,
      });
      expect(toClosed.elapsed).toBeGreaterThanOrEqual(NON_ADMIN_TEST_FLOOR_MS);
      expect(toOther.elapsed).toBeGreaterThanOrEqual(NON_ADMIN_TEST_FLOOR_MS);
    } finally {
      await stop();
    }
  }, 40_000);

  it('tells an Admin precisely what went wrong', async () => {
    const { closed, notPostgres, stop } = await ports();
    try {
      const admin = await h.as(h.a, 'admin');
      const test = (settings: Record<string, string | number | boolean | null>) =>
        refusal(
          // The reader's own password: the TLS test server checks it before it looks for the database.
          admin.connections.testNew({
            kind: 'postgres',
            settings,
            secrets: { password: h.warehouse.reader.password },
          }),
        );
      const [toClosed, toOther, unknownDatabase] = await Promise.all([
        test(warehouseSettings(h, { port: closed })),
        test(warehouseSettings(h, { port: notPostgres })),
        test(warehouseSettings(h, { database: `nope_${randomUUID().slice(0, 8)}` })),
      ]);
      expect(toClosed.quarry).toBe('connector.unreachable');
      expect(toOther.quarry).not.toBe(toClosed.quarry);
      expect(toOther.quarry).toBe('connector.failed');
      expect(toOther.message).toMatch(/PostgreSQL/);
      expect(unknownDatabase.quarry).toBe('connector.database_not_found');
    } finally {
      await stop();
    }
  }, 40_000);
});

describe('testing new and edited connections', () => {
  it('tests a new workspace connection before it is saved, and leaves no probe behind', async () => {
    const admin = await h.as(h.a, 'admin');
    const result = await admin.connections.testNew({
      kind: 'postgres',
      settings: warehouseSettings(h),
      secrets: { password: h.warehouse.reader.password },
    });
    expect(result).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^\d+/) });
    expect(await h.database.sql`select id from connection_probes`).toHaveLength(0);
  });

  it('keeps the stored password when an edit leaves it blank, and the connection still tests fine', async () => {
    const admin = await h.as(h.a, 'admin');
    const password = h.warehouse.reader.password;
    const created = await admin.connections.create({
      name: `edited ${randomUUID().slice(0, 8)}`,
      kind: 'postgres',
      settings: warehouseSettings(h, { database: 'not_the_warehouse' }),
      secrets: { password },
    });
    // Unsaved edits are tested with the stored password merged in.
    expect(
      await admin.connections.test({
        connectionId: created.id,
        settings: warehouseSettings(h),
        secrets: { password: '' },
      }),
    ).toMatchObject({ ok: true });
    await admin.connections.update({
      connectionId: created.id,
      name: created.name,
      settings: warehouseSettings(h),
      secrets: { password: '' },
    });
    const [row] = await h.database.sql<{ credentials: Buffer }[]>`
      select credentials from connections where id = ${created.id}`;
    const opened = h.vault.openText(
      row?.credentials ?? Buffer.alloc(0),
      connectionCredentialsContext(h.a.workspaceId, created.id),
    );
    expect(opened.ok && JSON.parse(opened.value)).toEqual({ password });
    expect(await admin.connections.test({ connectionId: created.id })).toMatchObject({ ok: true });
  });

  it('lets an Editor test their project connection, and audits every test without a setting value', async () => {
    const editor = await h.as(h.a, 'editor');
    const created = await editor.connections.createForProject({
      projectId: h.a.projectId,
      name: `project ${randomUUID().slice(0, 8)}`,
      kind: 'postgres',
      settings: warehouseSettings(h),
      secrets: { password: h.warehouse.reader.password },
    });
    expect(await editor.connections.test({ connectionId: created.id })).toMatchObject({ ok: true });
    const audits = await h.database.sql<{ outcome: string; details: unknown }[]>`
      select outcome, details from audit_events
      where action = 'connection.test' and target_id = ${created.id}`;
    expect(audits).toEqual([
      { outcome: 'success', details: { kind: 'postgres', unsaved: false, code: null } },
    ]);
    const everything = JSON.stringify(
      await h.database.sql`select details from audit_events where action like 'connection.%'`,
    );
    expect(everything).not.toContain(h.warehouse.reader.database);
    await editor.connections.delete({ connectionId: created.id });
  });
});
