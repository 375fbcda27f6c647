import { cells } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// FAILING PROOF (not committed while it fails): a notebook has no size bound, and every move and
// rename parses every JS cell on the API's event loop. Measured here (2 cores, other load): 400 JS
// cells of 45 KB (18 MB) make one moveCell take 5.7 s and one renameCell 4.5 s of synchronous CPU,
// during which the API answers nobody; ten of them fit in one tRPC batch. One Editor can stall the
// API for every workspace.
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

const MB = 1024 * 1024;

describe('notebook size', () => {
  it('refuses to grow a notebook past a bound on its cells and their source (notebook.too_large)', async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const editor = await h.as(h.a, 'editor');
    const body = `return [${Array.from({ length: 20_000 }, (_, i) => `x${i % 50}`).join(',')}].length`;
    // 200 cells of ~100 KB (the most one cell may hold), each added the way the SPA adds it.
    let added = 0;
    let refused: Awaited<ReturnType<typeof refusal>> | null = null;
    for (let i = 0; i < 200 && !refused; i += 1) {
      try {
        await editor.projects.addCell({
          projectId,
          kind: 'js',
          afterCellId: null,
          source: body.slice(0, 100_000),
        });
        added += 1;
      } catch {
        refused = await refusal(
          editor.projects.addCell({ projectId, kind: 'js', afterCellId: null, source: body }),
        );
      }
    }
    const stored = await h.database.db
      .select({ source: cells.source })
      .from(cells)
      .where(eq(cells.projectId, projectId));
    const bytes = stored.reduce((sum, c) => sum + c.source.length, 0);
    expect({ added, megabytes: Math.round(bytes / MB), refusedWith: refused?.quarry ?? null }).toMatchObject({
      refusedWith: 'notebook.too_large',
    });
  }, 300_000);
});
