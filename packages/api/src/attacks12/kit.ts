import type { WorkspaceFixture } from '@quarry/db/testing';
import { sourcesOf, storedBy } from '../attacks10/kit';
import type { ApiHarness } from '../testing/harness';

/**
 * Everything of starts a workspace holds (its runs with their status, their jobs, its run.start
 * entries, its audit head, the cells' sources), for "nothing changed" checks.
 */
export async function startsHeldBy(h: ApiHarness, ws: WorkspaceFixture, cellIds: readonly string[]) {
  const stored = await storedBy(h, ws.workspaceId);
  return {
    runs: stored.runs.map((r) => `${r.id}:${r.status}`).sort(),
    jobs: stored.jobRunIds,
    entries: stored.startEntries.length,
    head: stored.head,
    sources: [...(await sourcesOf(h, cellIds)).entries()].sort(),
  };
}
