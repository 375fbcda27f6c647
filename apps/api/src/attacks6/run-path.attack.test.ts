import { randomUUID } from 'node:crypto';
import { parseRowBatch, type RunEvent } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { holdAdvisoryGate, waitingAt } from '@quarry/db/testing';
import { createQuarryClient } from '@quarry/sdk';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWithRunner, startApiWithRunner } from '../testing/start-api-with-runner';
import { until } from '../testing/until';

// The run path end to end (API, job, real runner, warehouse, SDK) under attack: hostile input
// values, JS cells reaching for cells they do not name, and a permission lost while a JS run reads.
const PASSWORD = `attacks6 ${randomUUID()}`;
let stack: ApiWithRunner;
let client: ReturnType<typeof createQuarryClient>;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 10, password: PASSWORD });
  client = createQuarryClient({
    url: stack.api.url,
    token: await stack.tokenFor(stack.fixture.users.editor.email, 'run path attack'),
  });
}, 60_000);
afterAll(() => stack?.stop());

/** A fresh project of the fixture's workspace, shared at Can edit with its Editor, importing `connections`. */
async function project(connectionIds: string[]) {
  const { sql } = stack.database;
  const projectId = newId('project');
  await sql`insert into projects (id, workspace_id, name, created_by)
    values (${projectId}, ${stack.fixture.workspaceId}, ${`attack ${projectId}`}, ${stack.fixture.users.admin.id})`;
  await sql`insert into project_grants (id, workspace_id, project_id, user_id, permission)
    values (${newId('grant')}, ${stack.fixture.workspaceId}, ${projectId}, ${stack.fixture.users.editor.id}, 'can_edit')`;
  for (const connectionId of connectionIds) {
    await sql`insert into project_connections (project_id, connection_id, workspace_id)
      values (${projectId}, ${connectionId}, ${stack.fixture.workspaceId})`;
  }
  return projectId;
}

/** Every event of a run until it ends. */
async function eventsOf(runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  const stream = (await client.api.runs.events.query({ runId })) as AsyncIterable<RunEvent>;
  for await (const event of stream) {
    events.push(event);
    if (event.type === 'done' || event.type === 'error') break;
  }
  return events;
}

describe('hostile input values on the way to the warehouse', () => {
  it('reach the warehouse as values: each comes back exactly as sent, and nothing else runs', async () => {
    const projectId = await project([stack.fixture.connectionId]);
    const v = await client.api.projects.addCell.mutate({
      projectId,
      kind: 'input',
      afterCellId: null,
      name: 'v',
      input: { type: 'text', default: '' },
    });
    const q = await client.api.projects.addCell.mutate({
      projectId,
      kind: 'sql',
      afterCellId: v.id,
      name: 'q',
      connectionId: stack.fixture.connectionId,
      source: 'select 1',
    });
    for (const value of [
      "'; delete from orders; --",
      "x' or '1'='1",
      '$1',
      '$$; select pg_sleep(5); $$',
      "\\'; select 1; --",
      '?',
      '{{v}}',
      '*/ select 1 /*',
      'é\u2028\t\n\\N',
    ]) {
      const run = await client.api.runs.start.mutate({
        projectId,
        cellId: q.id,
        source: "select {{v}}::text as v, {{ v }} = {{v}} as same, '{{v}}' as literal",
        inputs: { v: value },
      });
      const events = await eventsOf(run.id);
      expect(events.at(-1), value).toMatchObject({ type: 'done', rowCount: 1 });
      const rows = events.flatMap((e) => (e.type === 'rows' ? parseRowBatch(e.batch) : []));
      expect(events.find((e) => e.type === 'columns')).toMatchObject({
        columns: [{ name: 'v' }, { name: 'same' }, { name: 'literal' }],
      });
      // The value exactly as sent; compared with itself it is equal; the quoted reference is text.
      expect(rows, value).toEqual([[value, true, '{{v}}']]);
    }
  });
});

describe('JS cells reaching for cells they do not name', () => {
  it('a name spelled at run time finds nothing: no rows of the SQL cell above reach the kernel', async () => {
    const projectId = await project([stack.fixture.connectionId]);
    const orders = await client.api.projects.addCell.mutate({
      projectId,
      kind: 'sql',
      afterCellId: null,
      name: 'orders_above',
      connectionId: stack.fixture.connectionId,
      source: 'select id from orders',
    });
    const sneaky = await client.api.projects.addCell.mutate({
      projectId,
      kind: 'js',
      afterCellId: orders.id,
      name: 'sneaky',
      source: 'return 1',
    });
    const run = await client.api.runs.start.mutate({
      projectId,
      cellId: sneaky.id,
      source: [
        'const name = ["orders", "above"].join("_");',
        'let seen = typeof globalThis[name];',
        'try { seen += "," + typeof eval(name); } catch (e) { seen += ",threw"; }',
        'try { seen += "," + typeof Function("return " + name)(); } catch (e) { seen += ",threw"; }',
        'return seen;',
      ].join('\n'),
    });
    const events = await eventsOf(run.id);
    const value = events.find((e) => e.type === 'value');
    expect(events.at(-1)?.type).toBe('done');
    expect(value?.type === 'value' ? JSON.parse(value.json) : null).toMatch(
      /^undefined,(undefined|threw),(undefined|threw)$/,
    );
    // The run derived from no connection: its plan read no SQL cell.
    const [row] = await stack.database.sql<{ connection_ids: string[] }[]>`
      select connection_ids from runs where id = ${run.id}`;
    expect(row?.connection_ids).toEqual([]);
  });

  it('a permission lost while the upstream SQL reads ends the JS run with the gate’s refusal and no result', async () => {
    const { sql } = stack.database;
    const admin = createQuarryClient({
      url: stack.api.url,
      token: await stack.tokenFor(stack.fixture.users.admin.email, 'run path admin'),
    });
    const { id: restricted } = await admin.api.connections.create.mutate({
      name: `restricted ${randomUUID().slice(0, 8)}`,
      kind: 'postgres',
      settings: stack.warehouse.settings,
      secrets: { password: stack.warehouse.reader.password },
    });
    const projectId = await project([restricted]);
    const slow = await client.api.projects.addCell.mutate({
      projectId,
      kind: 'sql',
      afterCellId: null,
      name: 'slow',
      connectionId: restricted,
      source: 'select 1',
    });
    const reader = await client.api.projects.addCell.mutate({
      projectId,
      kind: 'js',
      afterCellId: slow.id,
      name: 'reader',
      source: 'return slow',
    });
    // The upstream SQL waits on a lock the test holds, so the revoke lands while it reads, however
    // slow the machine: it was a 2 s sleep that a stalled test process could outlast.
    const gate = await holdAdvisoryGate(stack.warehouse.adminUrl);
    const watch = postgres(stack.warehouse.adminUrl, { max: 1, onnotice: () => {} });
    await client.api.projects.updateCell.mutate({
      projectId,
      cellId: slow.id,
      source: `select 'the secret row' as secret from (select ${gate.sql}) s`,
    });
    const run = await client.api.runs.start.mutate({ projectId, cellId: reader.id, source: 'return slow' });
    try {
      await until(
        async () => {
          const [r] = await sql<{ status: string }[]>`select status from runs where id = ${run.id}`;
          if (r?.status === 'queued') return undefined;
          return r?.status;
        },
        20_000,
        'the JS run did not start',
      ).then((status) => expect(status).toBe('running'));
      // The upstream query is on the warehouse, reading (held at the lock).
      await until(
        async () => ((await waitingAt(watch, gate)) > 0 ? true : undefined),
        20_000,
        'the upstream query never reached the warehouse',
      );
      // A group nobody is in: the Editor no longer has Can query nor Can view results on it.
      const group = newId('group');
      await sql`insert into groups (id, workspace_id, name) values (${group}, ${stack.fixture.workspaceId}, ${`g ${group}`})`;
      await sql`update connections set can_query = ${[group]}, can_view_results = ${[group]} where id = ${restricted}`;
    } finally {
      await gate.open();
      await watch.end();
    }
    await until(
      async () => {
        const [r] = await sql<{ status: string }[]>`select status from runs where id = ${run.id}`;
        return r && r.status !== 'running' && r.status !== 'queued' ? r.status : undefined;
      },
      30_000,
      'the JS run did not end',
    );
    const [ended] = await sql<{ status: string; error: { code: string } | null; row_count: number | null }[]>`
      select status, error, row_count from runs where id = ${run.id}`;
    expect(ended?.status).toBe('failed');
    expect(ended?.error?.code).toMatch(/^access\./);
    const chunks = await sql<
      { n: number }[]
    >`select count(*)::int as n from run_chunks where run_id = ${run.id}`;
    expect(chunks[0]?.n).toBe(0);
    expect(JSON.stringify(ended)).not.toContain('the secret row');
  }, 60_000);

  it("a kernel keeps nothing of one member's run for the next run of another member (KRN-5)", async () => {
    const projectId = await project([stack.fixture.connectionId]);
    await stack.database.sql`insert into project_grants (id, workspace_id, project_id, user_id, permission)
      values (${newId('grant')}, ${stack.fixture.workspaceId}, ${projectId}, ${stack.fixture.users.manager.id}, 'can_edit')`;
    const cell = await client.api.projects.addCell.mutate({
      projectId,
      kind: 'js',
      afterCellId: null,
      name: 'state',
      source: 'return 1',
    });
    const planted = await client.api.runs.start.mutate({
      projectId,
      cellId: cell.id,
      source: [
        'globalThis.__left = "editor secret";',
        'Object.prototype.__polluted = "editor secret";',
        'Array.prototype.push = function () { return "editor secret"; };',
        'return "planted";',
      ].join('\n'),
    });
    expect((await eventsOf(planted.id)).at(-1)?.type).toBe('done');
    const manager = createQuarryClient({
      url: stack.api.url,
      token: await stack.tokenFor(stack.fixture.users.manager.email, 'kernel reuse'),
    });
    for (let i = 0; i < 3; i += 1) {
      const run = await manager.api.runs.start.mutate({
        projectId,
        cellId: cell.id,
        source:
          'const a = []; a.push(1); return [typeof globalThis.__left, typeof ({}).__polluted, a.length].join(",");',
      });
      const events: RunEvent[] = [];
      for await (const event of (await manager.api.runs.events.query({
        runId: run.id,
      })) as AsyncIterable<RunEvent>) {
        events.push(event);
        if (event.type === 'done' || event.type === 'error') break;
      }
      const value = events.find((e) => e.type === 'value');
      expect(value?.type === 'value' ? JSON.parse(value.json) : events).toBe('undefined,undefined,1');
    }
  });
});
