import { projectGrants, workspaceMembers } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runnerLeavesResult } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import {
  bodyReader,
  chunksLeft,
  drain,
  httpCall,
  leaksResult,
  onlyRunOf,
  privateProject,
  revokeViewResults,
  runnerWritesSecret,
  runsOfCell,
  SECRET_VALUE,
} from './kit';

// runs.query decides the results gate at read time from the facts its own permission check loaded
// when the request began, not from the database at the stream's first read as runs.events does.
// The runner decides the gate for the owner when it runs the query; a permission lost after that
// ("since then counts", stream-run-events.ts) is meant to be caught by the API's read-time gate.
// These tests let the runner finish (its gate passed: nothing was revoked yet), revoke, and only
// then take the stream's first read. runs.events, opened after the revocation, refuses; runs.query,
// whose facts are from before, must refuse too.

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

type Revocation = (setup: Awaited<ReturnType<typeof privateProject>>) => Promise<void>;

const lostCanViewResults: Revocation = (s) => revokeViewResults(h, s.connectionId);
const lostTheProject: Revocation = async (s) => {
  await h.database.db
    .delete(projectGrants)
    .where(and(eq(projectGrants.projectId, s.projectId), eq(projectGrants.userId, h.a.users.editor.id)));
};
const deactivated: Revocation = async () => {
  await h.database.db
    .update(workspaceMembers)
    .set({ deactivatedAt: new Date() })
    .where(
      and(
        eq(workspaceMembers.workspaceId, h.a.workspaceId),
        eq(workspaceMembers.userId, h.a.users.editor.id),
      ),
    );
};
const reactivate = () =>
  h.database.db
    .update(workspaceMembers)
    .set({ deactivatedAt: null })
    .where(
      and(
        eq(workspaceMembers.workspaceId, h.a.workspaceId),
        eq(workspaceMembers.userId, h.a.users.editor.id),
      ),
    );

describe('the two-request flow: runs.events opened after the revocation refuses (the rule)', () => {
  for (const [name, revoke] of [
    ['lost Can view results on the connection', lostCanViewResults],
    ['lost every grant on the project', lostTheProject],
  ] as const) {
    it(`runs.events refuses an owner who ${name} after the run finished`, async () => {
      const s = await privateProject(h);
      const editor = await h.as(h.a, 'editor');
      const run = await editor.runs.start({ projectId: s.projectId, cellId: s.cellId, source: 'select 1' });
      await runnerWritesSecret(h, run.id);
      await revoke(s);
      const { events, text } = await drain(await editor.runs.events({ runId: run.id }));
      expect(events.map((e) => e.type)).toEqual(['error']);
      expect(String((events[0]?.error as { code?: string })?.code)).toMatch(/^access\./);
      expect(leaksResult(text)).toBe(false);
      expect(await chunksLeft(h, run.id)).toBe(2);
    });
  }
});

describe('runs.query: the stream read after the revocation (tRPC caller, which pulls at its own pace)', () => {
  for (const [name, revoke] of [
    ['lost Can view results on the connection', lostCanViewResults],
    ['lost every grant on the project', lostTheProject],
    ['was deactivated', deactivated],
  ] as const) {
    it(`sends an owner who ${name} after the run finished nothing of it from the open runs.query`, async () => {
      const s = await privateProject(h);
      const editor = await h.as(h.a, 'editor');
      try {
        const stream = (await editor.runs.query({
          projectId: s.projectId,
          cellId: s.cellId,
          source: 'select 1',
        })) as AsyncIterable<unknown>;
        const run = await onlyRunOf(h, s.cellId);
        // The runner ran it while the owner still held every permission (its gate passed).
        await runnerWritesSecret(h, run.id);
        await revoke(s);
        const { events, text } = await drain(stream);
        expect(events[0]?.type).toBe('started');
        // What runs.events answers now: an access refusal, nothing of the result.
        expect(leaksResult(text), text).toBe(false);
        expect(events.at(-1)?.type).toBe('error');
        expect(await chunksLeft(h, run.id)).toBe(2);
      } finally {
        await reactivate();
      }
    });
  }
});

describe('runs.query over HTTP: the stream read after the revocation', () => {
  it('sends nothing to a slow reader of a batch whose owner lost Can view results before the stream first read', async () => {
    // Eight runs.query calls in one HTTP request (the SDK's stream link batches them), each on a
    // project and connection of its own. The client reads the response only up to the first
    // `started` line: the server then pulls no further event of the other streams, so their
    // first read (and gate) waits for the client.
    const setups = [];
    for (let i = 0; i < 8; i += 1) setups.push(await privateProject(h));
    const watched: string[] = [];
    const notifier = h.deps.notifier;
    const watch = notifier.watch.bind(notifier);
    notifier.watch = (runId) => {
      watched.push(runId);
      return watch(runId);
    };
    try {
      const res = await httpCall(h, {
        userId: h.a.users.editor.id,
        workspaceId: h.a.workspaceId,
        calls: setups.map((s) => ({
          path: 'runs.query',
          input: { projectId: s.projectId, cellId: s.cellId, source: 'select 1' },
        })),
      });
      expect(res.status).toBe(200);
      const body = bodyReader(res);
      expect(await body.until('"started"')).toBe(true);
      // Every start is done (each run stored) before the revocation: waited for, not timed, since
      // a loaded machine starts eight runs in seconds rather than milliseconds.
      const deadline = Date.now() + 30_000;
      while (
        (await Promise.all(setups.map((s) => runsOfCell(h, s.cellId)))).some((rows) => rows.length === 0)
      ) {
        if (Date.now() > deadline) throw new Error('the batch never started every run');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const started = await Promise.all(setups.map((s) => onlyRunOf(h, s.cellId)));
      // Every run is stored (the start is done), and at least one stream has not read yet.
      const unread = started.findIndex((run) => !watched.includes(run.id));
      expect(unread).toBeGreaterThanOrEqual(0);
      const target = started[unread] as (typeof started)[number];
      const targetSetup = setups[unread] as (typeof setups)[number];
      // Meanwhile: the runner runs them all while the owner may read every one (its gate passes),
      // then an Admin takes Can view results on the target's connection away.
      for (const run of started) {
        if (run.id === target.id) await runnerWritesSecret(h, run.id);
        else await runnerLeavesResult(h, h.a, run.id, ['harmless']);
      }
      await revokeViewResults(h, targetSetup.connectionId);
      // Only now does the client read on: runs.events opened now would refuse the target.
      expect(await body.until(null)).toBe(true);
      expect(body.text).toContain('harmless');
      expect(body.text.includes(SECRET_VALUE), "the revoked connection's rows were sent").toBe(false);
    } finally {
      notifier.watch = watch;
    }
  });
});
