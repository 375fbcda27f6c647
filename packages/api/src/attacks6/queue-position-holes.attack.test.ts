import { newId } from '@quarry/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlCellIn } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// FAILING PROOF (informational; not committed while it fails): runs.get's queuePosition counts
// every workspace's waiting run jobs, so any member of A can watch B's activity through it.
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

describe("a queued run's position", () => {
  it("counts only the member's own workspace's runs ahead", async () => {
    // B queues three runs (no runner is working the queue here).
    for (let i = 0; i < 3; i += 1) {
      await h.deps.queue.send('run.execute', { runId: newId('run'), workspaceId: h.b.workspaceId });
    }
    const editor = await h.as(h.a, 'editor');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    const summary = await editor.runs.get({ runId: run.id });
    expect(summary.status).toBe('queued');
    // Nothing of A's is ahead: B's three runs must not show.
    expect(summary.queuePosition).toBe(1);
  });
});
