import { randomUUID } from 'node:crypto';
import { auditEvents, connections } from '@quarry/db/schema';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal, exampleSettings as settings, uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

const PINNED = 'SHA256:Q2hhbmdlZCBrZXkgZm9yIHRoZSBwaW5uaW5nIHRlc3QgYWJj';

/** A workspace connection of A whose SSH host key is pinned (as the runner's first test would). */
async function pinnedConnection() {
  const admin = await h.as(h.a, 'admin');
  const created = await admin.connections.create({
    name: uniqueName('ssh'),
    kind: 'postgres',
    settings: settings(),
    secrets: { password: randomUUID() },
  });
  await h.database.db.update(connections).set({ sshHostKey: PINNED }).where(eq(connections.id, created.id));
  return created;
}

const pinOf = async (id: string) =>
  (
    await h.database.db
      .select({ key: connections.sshHostKey })
      .from(connections)
      .where(eq(connections.id, id))
  )[0]?.key;

describe('the pinned SSH host key', () => {
  it('is shown on the connection form, and forgotten by whoever manages the connection, audited', async () => {
    const created = await pinnedConnection();
    const admin = await h.as(h.a, 'admin');
    expect((await admin.connections.get({ connectionId: created.id })).sshHostKey).toBe(PINNED);

    expect(await admin.connections.forgetSshHostKey({ connectionId: created.id })).toEqual({
      forgotten: PINNED,
    });
    expect(await pinOf(created.id)).toBeNull();
    expect((await admin.connections.get({ connectionId: created.id })).sshHostKey).toBeNull();
    const [event] = await h.database.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.action, 'connection.ssh_host_key_forget'), eq(auditEvents.targetId, created.id)),
      )
      .orderBy(desc(auditEvents.id));
    expect(event?.details).toMatchObject({ fingerprint: PINNED });
    expect(event?.actorId).toBe(h.a.users.admin.id);
    // Forgetting twice is harmless and says nothing was pinned.
    expect(await admin.connections.forgetSshHostKey({ connectionId: created.id })).toEqual({
      forgotten: null,
    });
  });

  it('is not forgotten by a Manager, an Editor, a Viewer or another workspace, and stays pinned', async () => {
    const created = await pinnedConnection();
    for (const role of ['manager', 'editor', 'viewer'] as const) {
      const caller = await h.as(h.a, role);
      expect((await refusal(caller.connections.forgetSshHostKey({ connectionId: created.id }))).code).toBe(
        'FORBIDDEN',
      );
    }
    const otherAdmin = await h.as(h.b, 'admin');
    expect((await refusal(otherAdmin.connections.forgetSshHostKey({ connectionId: created.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect(await pinOf(created.id)).toBe(PINNED);
  });

  it('stays pinned through an edit that keeps the SSH server', async () => {
    const created = await pinnedConnection();
    const admin = await h.as(h.a, 'admin');
    await admin.connections.update({
      connectionId: created.id,
      name: `${created.name} renamed`,
      settings: settings(),
      secrets: {},
    });
    expect(await pinOf(created.id)).toBe(PINNED);
  });
});
