import { randomUUID } from 'node:crypto';
import { newId } from '@quarry/db';
import { auditEvents, connectionCredentialsContext, connections, runs } from '@quarry/db/schema';
import type { TestDatabase, TestWarehouse, WorkspaceFixture } from '@quarry/db/testing';
import type { Vault } from '@quarry/vault';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionConfig } from './connection-config';
import { type ConnectorCache, createConnectorCache } from './connector-cache';
import { executeRun, type RunnerDeps } from './execute-run';
import { type RunnerFixture, startRunnerFixture } from './testing/runner-fixture';

let started: RunnerFixture;
let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let vault: Vault;
let base: RunnerDeps;

beforeAll(async () => {
  started = await startRunnerFixture();
  ({ database, warehouse, fixture, vault, deps: base } = started);
});
afterAll(async () => {
  await started?.drop();
});

const cacheFor = (): ConnectorCache => createConnectorCache({ idleMs: 60_000, max: 8 });

/** Queues a run of `select 1` owned by the Admin (who sees connect failures as they are) and runs it. */
async function run(deps: RunnerDeps) {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users.admin.id,
    connectionId: fixture.connectionId,
    source: 'select 1 as one',
    rowLimit: 10,
  });
  await executeRun(deps, { runId: id, workspaceId: fixture.workspaceId }, new AbortController().signal);
  const [row] = await database.db.select().from(runs).where(eq(runs.id, id));
  return { id, status: row?.status, code: (row?.error as { code?: string } | null)?.code };
}

const unwraps = () =>
  database.db
    .select({ outcome: auditEvents.outcome, details: auditEvents.details })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.action, 'connection.credentials_unwrap'),
        eq(auditEvents.targetId, fixture.connectionId),
      ),
    )
    .orderBy(asc(auditEvents.seq));

const connectionRow = async () => {
  const [row] = await database.db.select().from(connections).where(eq(connections.id, fixture.connectionId));
  if (!row) throw new Error('no connection');
  return row;
};

const setPassword = (password: string) =>
  database.db
    .update(connections)
    .set({
      credentials: vault.seal(
        JSON.stringify({ password }),
        connectionCredentialsContext(fixture.workspaceId, fixture.connectionId),
      ),
    })
    .where(eq(connections.id, fixture.connectionId));

describe('connectors kept between runs', () => {
  it('unwraps and audits a connection once for a burst of runs, and once a run without the cache', async () => {
    const before = (await unwraps()).length;
    const deps = { ...base, connectors: cacheFor() };
    const first = await run(deps);
    const rest = [await run(deps), await run(deps)];
    expect([first, ...rest].map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const audited = (await unwraps()).slice(before);
    // The one unwrap names the run it was made for.
    expect(audited).toEqual([{ outcome: 'success', details: { runId: first.id } }]);

    // The control: a runner without the cache unwraps (and audits) for every run.
    await run(base);
    await run(base);
    expect((await unwraps()).length - before).toBe(3);
  });

  it('unwraps a re-saved password afresh: a kept connector never signs in with the old one', async () => {
    const deps = { ...base, connectors: cacheFor() };
    expect((await run(deps)).status).toBe('succeeded');
    const before = (await unwraps()).length;
    await setPassword(`wrong ${randomUUID()}`);
    try {
      expect(await run(deps)).toMatchObject({ status: 'failed', code: 'connector.auth_failed' });
    } finally {
      await setPassword(warehouse.reader.password);
    }
    expect(await run(deps)).toMatchObject({ status: 'succeeded' });
    // Each record was unwrapped once: the wrong password's, then the right one's again.
    expect((await unwraps()).length - before).toBe(2);
  });

  it('keeps no connector from a record the vault refused, and always unwraps for a test', async () => {
    const connectors = cacheFor();
    const deps = { ...base, connectors };
    const row = await connectionRow();
    const tampered = Buffer.from(row.credentials ?? Buffer.alloc(0));
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
    const refused = await connectionConfig(deps, { ...row, credentials: tampered }, { userId: 'usr_x' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'vault.unwrap_failed' } });
    expect(connectors.size()).toBe(0);

    expect((await connectionConfig(deps, row, { userId: 'usr_x', runId: 'run_x' })).ok).toBe(true);
    expect(connectors.size()).toBe(1);
    const before = (await unwraps()).length;
    for (let i = 0; i < 2; i += 1) {
      expect((await connectionConfig(deps, row, { userId: 'usr_x', test: true })).ok).toBe(true);
    }
    expect((await unwraps()).slice(before).map((u) => u.details)).toEqual([
      { purpose: 'test' },
      { purpose: 'test' },
    ]);
  });

  it('serves a connector only for the exact record it was made from', async () => {
    const connectors = cacheFor();
    const row = await connectionRow();
    const connector = { kind: 'kept' } as never;
    connectors.set(row, connector);
    expect(connectors.get({ ...row })).toBe(connector);
    const changed: (typeof row)[] = [
      { ...row, workspaceId: 'wsp_other' },
      { ...row, kind: 'mysql' },
      { ...row, status: 'draft' },
      { ...row, settings: { ...row.settings, host: 'other.example.com' } },
      { ...row, sshHostKey: 'ssh-ed25519 AAAA' },
      { ...row, credentials: Buffer.concat([row.credentials ?? Buffer.alloc(0), Buffer.from([0])]) },
    ];
    for (const other of changed) {
      connectors.set(row, connector);
      expect(connectors.get(other)).toBeUndefined();
      // A mismatch forgets what was kept: the next run unwraps the record as it is now.
      expect(connectors.get(row)).toBeUndefined();
    }
  });

  it('forgets a connector once idle, the least recently used first when full, and all of them on close', async () => {
    let now = 0;
    const connectors = createConnectorCache({ idleMs: 1000, max: 2, now: () => now });
    const row = await connectionRow();
    const rows = ['con_a', 'con_b', 'con_c'].map((id) => ({ ...row, id }));
    const [a, b, c] = rows as [typeof row, typeof row, typeof row];
    connectors.set(a, 'A' as never);
    connectors.set(b, 'B' as never);
    now = 500;
    expect(connectors.get(a)).toBe('A');
    connectors.set(c, 'C' as never);
    // b was used least recently: it went to make room.
    expect([connectors.get(a), connectors.get(b), connectors.get(c)]).toEqual(['A', undefined, 'C']);
    // Used again within its idle time: kept from then on.
    now = 1400;
    expect(connectors.get(c)).toBe('C');
    now = 2500;
    expect(connectors.get(c)).toBeUndefined();
    connectors.set(a, 'A' as never);
    connectors.close();
    expect(connectors.size()).toBe(0);
  });

  it('drops unwrapped credentials from memory after their idle time even when nothing asks again', async () => {
    const connectors = createConnectorCache({ idleMs: 50, max: 2 });
    connectors.set(await connectionRow(), 'kept' as never);
    expect(connectors.size()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(connectors.size()).toBe(0);
    connectors.close();
  });
});
