import { auditEvents, connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectConnection } from '../attacks4/attack-kit';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// The result cache's levers (issue 11 item 8) on a project connection: who may set its policy,
// and that invalidation stays an Admin's, whatever the caller manages.
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

const ttlOf = async (connectionId: string) =>
  (
    await h.database.db
      .select({ ttl: connections.cacheTtlSeconds })
      .from(connections)
      .where(eq(connections.id, connectionId))
  )[0]?.ttl;

describe("a project connection's cache policy", () => {
  it('is set by Can edit holders of its own project only; others are refused and change nothing', async () => {
    const projectId = await projectIn(h, h.a, [
      { userId: h.a.users.editor.id, permission: 'can_edit' },
      { userId: h.a.users.explorer.id, permission: 'can_edit' },
      { userId: h.a.users.viewer.id, permission: 'can_view' },
    ]);
    const own = await projectConnection(h, h.a, 'editor', projectId);
    // The manager has no grant on the project; the explorer's role caps them at Can explore.
    for (const [role, codes] of [
      ['manager', ['NOT_FOUND']],
      ['explorer', ['FORBIDDEN', 'NOT_FOUND']],
      ['viewer', ['FORBIDDEN', 'NOT_FOUND']],
      ['guest', ['NOT_FOUND']],
    ] as const) {
      const refused = await refusal(
        (await h.as(h.a, role)).connections.setCachePolicy({ connectionId: own.id, ttlSeconds: 3600 }),
      );
      expect(codes, role).toContain(refused.code);
    }
    const bAdmin = await refusal(
      (await h.as(h.b, 'admin')).connections.setCachePolicy({ connectionId: own.id, ttlSeconds: 3600 }),
    );
    expect(bAdmin.code).toBe('NOT_FOUND');
    expect(await ttlOf(own.id)).toBeNull();
    const set = await (await h.as(h.a, 'editor')).connections.setCachePolicy({
      connectionId: own.id,
      ttlSeconds: 600,
    });
    expect(set).toMatchObject({ connectionId: own.id, ttlSeconds: 600 });
    expect(await ttlOf(own.id)).toBe(600);
  });

  it('is invalidated by Admins only, even by the Editor who manages it; B’s Admin deletes nothing of A', async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const own = await projectConnection(h, h.a, 'editor', projectId);
    const editor = await h.as(h.a, 'editor');
    for (const input of [{ connectionId: own.id }, {}]) {
      const refused = await refusal(editor.connections.invalidateCache(input));
      expect(refused.code).toBe('FORBIDDEN');
    }
    const bAdmin = await h.as(h.b, 'admin');
    expect((await refusal(bAdmin.connections.invalidateCache({ connectionId: own.id }))).code).toBe(
      'NOT_FOUND',
    );
    // B's whole-workspace invalidation is audited in B, naming nothing of A.
    await bAdmin.connections.invalidateCache({});
    const audited = await h.database.db
      .select({ targetId: auditEvents.targetId, actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.action, 'connection.cache_invalidate'),
          eq(auditEvents.actorId, h.b.users.admin.id),
        ),
      );
    expect(audited.length).toBeGreaterThan(0);
    expect(audited.every((a) => a.targetId === h.b.workspaceId)).toBe(true);
  });
});
