import { randomUUID } from 'node:crypto';
import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { newId } from '@quarry/db';
import { connectionCredentialsContext, connections } from '@quarry/db/schema';
import { loadEnv as loadRunnerEnv, type RunningWorker, startWorker } from '@quarry/query-runner';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let h: ApiHarness;
let runner: RunningWorker;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  runner = await startWorker(
    loadRunnerEnv({
      DATABASE_URL: h.database.url,
      QUARRY_MASTER_KEY: h.masterKey,
      LOG_LEVEL: 'silent',
      RUNNER_HEALTH_PORT: '0',
      QUARRY_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
    }),
  );
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await h?.close();
});

/** A connection of workspace A to the test warehouse's server, as `username`. */
async function connectionAs(input: { username: string; port?: number; name: string }): Promise<string> {
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
      sslMode: 'disable',
    },
    credentials: h.vault.seal(
      JSON.stringify({ password: randomUUID() }),
      connectionCredentialsContext(h.a.workspaceId, id),
    ),
    createdBy: h.a.users.admin.id,
  });
  return id;
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const quarry = (error as TRPCError & { quarry?: { code: string; message: string } }).quarry;
    return { code: error.code, quarry: quarry?.code, message: quarry?.message ?? '' };
  }
  throw new Error('expected a refusal, the call succeeded');
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
    const connectionId = await connectionAs({ username: 'postgres', name: 'as superuser' });
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
