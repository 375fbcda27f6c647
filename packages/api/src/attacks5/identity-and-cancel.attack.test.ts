import { randomBytes, randomUUID } from 'node:crypto';
import { auditEvents, connections, runs } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectConnection, workspaceConnection } from '../attacks4/attack-kit';
import { projectIn, refusal, sqlCellIn } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

describe('identitySetup', () => {
  it('is refused to every non-Admin on a workspace connection, answering no SQL', async () => {
    const conn = await workspaceConnection(h, h.a);
    for (const role of ['manager', 'editor', 'explorer', 'viewer', 'guest'] as const) {
      const refused = await refusal(
        (await h.as(h.a, role)).connections.identitySetup({ connectionId: conn.id }),
      );
      expect(['FORBIDDEN', 'NOT_FOUND'], role).toContain(refused.code);
      expect(refused.text, role).not.toMatch(/create|grant|security definer/i);
    }
    // The Admin gets it: the refusals are about the role, not a broken connection.
    const setup = await (await h.as(h.a, 'admin')).connections.identitySetup({ connectionId: conn.id });
    expect(setup.installSql).toContain('security definer');
  });

  it("never splices a login role name that would inject SQL into the Admin's superuser session", async () => {
    const conn = await workspaceConnection(h, h.a);
    const admin = await h.as(h.a, 'admin');
    for (const username of [
      `reader'); drop role postgres; --`,
      'reader"; drop schema public cascade; --',
      'reader$$; drop table t; $$',
      'reader\\',
      'Reader With Spaces',
    ]) {
      // Written straight to the row, as a connection saved before the check would be.
      const [row] = await h.database.db.select().from(connections).where(eq(connections.id, conn.id));
      await h.database.db
        .update(connections)
        .set({ settings: { ...(row?.settings ?? {}), username } })
        .where(eq(connections.id, conn.id));
      const refused = await refusal(admin.connections.identitySetup({ connectionId: conn.id }));
      expect(refused.quarry, username).toBe('connections.invalid_settings');
      expect(refused.text, username).not.toContain('drop');
    }
  });

  it('refuses an identity schema that is not a plain name, at save', async () => {
    const admin = await h.as(h.a, 'admin');
    const refused = await refusal(
      admin.connections.create({
        name: `id ${randomUUID().slice(0, 6)}`,
        kind: 'postgres',
        settings: {
          host: 'db.example.com',
          port: 5432,
          database: 'analytics',
          username: 'reader',
          sslMode: 'require',
          passIdentity: true,
          identitySchema: 'q"; drop schema public; --',
        },
        secrets: { password: randomUUID(), identityKey: 'a'.repeat(64) },
      }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
  });

  it('never answers the identity key back: get, list, identitySetup, or a refused edit', async () => {
    const admin = await h.as(h.a, 'admin');
    const key = randomBytes(32).toString('hex');
    const settings = {
      host: 'db.example.com',
      port: 5432,
      database: 'analytics',
      username: 'reader',
      sslMode: 'require',
      passIdentity: true,
    };
    const created = await admin.connections.create({
      name: `id ${randomUUID().slice(0, 6)}`,
      kind: 'postgres',
      settings,
      secrets: { password: randomUUID(), identityKey: key },
    });
    const answers = [
      created,
      await admin.connections.get({ connectionId: created.id }),
      await admin.connections.list(),
      await admin.connections.identitySetup({ connectionId: created.id }),
      // Moving the connection without the key typed again is refused, naming the field, not the value.
      await refusal(
        admin.connections.update({
          connectionId: created.id,
          name: created.name,
          settings: { ...settings, host: 'collector.attacker.example' },
          secrets: { password: randomUUID() },
        }),
      ),
    ];
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(key);
    const refused = answers.at(-1) as Awaited<ReturnType<typeof refusal>>;
    expect(refused.text).toContain('identityKey');
  });

  it("is given to a project Editor only for their own project's connection", async () => {
    const project = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const own = await projectConnection(h, h.a, 'editor', project);
    const editor = await h.as(h.a, 'editor');
    expect((await editor.connections.identitySetup({ connectionId: own.id })).schema).toBe('quarry_identity');
    // Another Editor-level member without Can edit on that project.
    const refused = await refusal(
      (await h.as(h.a, 'manager')).connections.identitySetup({ connectionId: own.id }),
    );
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(refused.code);
    expect(
      (await refusal((await h.as(h.b, 'admin')).connections.identitySetup({ connectionId: own.id }))).code,
    ).toBe('NOT_FOUND');
  });
});

describe('runs.cancel under concurrency and across owners', () => {
  it('ten parallel cancels of one run cancel it once, with one audit entry', async () => {
    const editor = await h.as(h.a, 'editor');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => editor.runs.cancel({ runId: run.id })),
    );
    expect(answers.every((a) => a.status === 'cancelled')).toBe(true);
    const entries = await h.database.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'run.cancel'), eq(auditEvents.targetId, run.id)));
    expect(entries).toHaveLength(1);
  });

  it("a colleague's ten parallel cancels and a stranger's leave the run queued", async () => {
    const editor = await h.as(h.a, 'editor');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    const callers = [
      await h.as(h.a, 'admin'),
      await h.as(h.a, 'manager'),
      await h.as(h.a, 'explorer'),
      await h.as(h.b, 'admin'),
    ];
    const outcomes = await Promise.allSettled(
      callers.flatMap((c) => Array.from({ length: 3 }, () => c.runs.cancel({ runId: run.id }))),
    );
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    const [row] = await h.database.db.select({ status: runs.status }).from(runs).where(eq(runs.id, run.id));
    expect(row?.status).toBe('queued');
    await editor.runs.cancel({ runId: run.id });
  });

  it("starting a colleague's cell (or B's cell id) cancels none of the colleague's runs", async () => {
    const editor = await h.as(h.a, 'editor');
    const manager = await h.as(h.a, 'manager');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const victim = await editor.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    const mine = await manager.runs.start({ projectId: h.a.projectId, cellId, source: 'select 2' });
    const again = await manager.runs.start({ projectId: h.a.projectId, cellId, source: 'select 3' });
    // B's Admin names A's cell from B's project: refused, and nothing of A's is cancelled.
    const bAdmin = await h.as(h.b, 'admin');
    await refusal(bAdmin.runs.start({ projectId: h.b.projectId, cellId, source: 'select 4' }));
    const statuses = new Map(
      (await h.database.db.select({ id: runs.id, status: runs.status }).from(runs)).map((r) => [
        r.id,
        r.status,
      ]),
    );
    expect(statuses.get(victim.id)).toBe('queued');
    expect(statuses.get(mine.id)).toBe('cancelled');
    expect(statuses.get(again.id)).toBe('queued');
    await editor.runs.cancel({ runId: victim.id });
    await manager.runs.cancel({ runId: again.id });
  });
});
