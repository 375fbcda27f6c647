import { randomUUID } from 'node:crypto';
import {
  type ApiHarness,
  createApiHarness,
  loopbackSettings,
  projectIn,
  sqlCellIn,
} from '@quarry/api/testing';
import type { RunningWorker } from '@quarry/query-runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner } from '../testing/start-test-runner';
import { until } from '../testing/until';
import { silentListener } from './fake-postgres';

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

/** An Editor's run on a project connection of their own to 127.0.0.1:`port`, as its owner sees it. */
async function probeByRun(projectId: string, port: number, database = 'analytics') {
  const editor = await h.as(h.a, 'editor');
  const connection = await editor.connections.createForProject({
    projectId,
    name: `scan ${port} ${randomUUID().slice(0, 6)}`,
    kind: 'postgres',
    settings: loopbackSettings(port, { database }),
    secrets: { password: randomUUID() },
  });
  const cellId = await sqlCellIn(h, h.a, projectId);
  await editor.projects.updateCell({ projectId, cellId, source: 'select 1', connectionId: connection.id });
  const started = Date.now();
  const run = await editor.runs.start({ projectId, cellId, source: 'select 1' });
  return until(
    async () => {
      const seen = await editor.runs.get({ runId: run.id });
      return seen.status !== 'queued' && seen.status !== 'running'
        ? { ...seen, ms: Date.now() - started }
        : undefined;
    },
    25_000,
    'the run did not finish',
  );
}

describe('one test against a port that answers something other than PostgreSQL', () => {
  it('opens a handful of connections to it, not thousands', async () => {
    // The runner reconnects in a tight loop when the server closes before the handshake ends: one
    // Test connection (any Editor may start one, ten per HTTP request) or one `select 1` run opens
    // thousands of TCP connections to a host and port of the caller's choosing.
    let accepted = 0;
    const target = await silentListener(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), () => {
      accepted += 1;
    });
    try {
      const admin = await h.as(h.a, 'admin');
      await admin.connections
        .testNew({
          kind: 'postgres',
          settings: loopbackSettings(target.port),
          secrets: { password: randomUUID() },
        })
        .catch(() => undefined);
      expect(accepted).toBeLessThanOrEqual(5);
    } finally {
      await target.close();
    }
  });
});

describe('CONN-3 through a run instead of Test connection', () => {
  it('does not tell an Editor whether a port is open by how their run on a project connection to it failed', async () => {
    // Test connection hides the cause from non-Admins; a run does not: an Editor makes a project
    // connection to host:port, runs `select 1` on it, and reads the run's error code.
    const projectId = await projectIn(
      h,
      h.a,
      [{ userId: h.a.users.editor.id, permission: 'can_edit' }],
      'scanner',
    );
    // Port 9: nothing listens. The warehouse's port: PostgreSQL listens (asked for a database that
    // is not there, so nothing is read either way).
    const closed = await probeByRun(projectId, 9);
    const open = await probeByRun(projectId, h.warehouse.reader.port, `nope_${randomUUID().slice(0, 6)}`);
    const summary = JSON.stringify([closed.error?.code, open.error?.code]);
    expect(closed.status, summary).toBe('failed');
    expect(open.status, summary).toBe('failed');
    expect(open.error?.code, summary).toBe(closed.error?.code);
    expect(open.error?.message, summary).toBe(closed.error?.message);
  });
});
