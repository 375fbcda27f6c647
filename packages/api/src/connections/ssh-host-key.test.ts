import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, type TestKey } from '@quarry/connectors/testing/sshd';
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

/** A MySQL connection of A through an SSH tunnel, its host key pinned. */
async function tunneledConnection() {
  const admin = await h.as(h.a, 'admin');
  const created = await admin.connections.create({
    name: uniqueName('tunnel'),
    kind: 'mysql',
    settings: mysqlSettings(),
    secrets: { password: randomUUID(), sshPrivateKey: SSH_KEY },
  });
  await h.database.db.update(connections).set({ sshHostKey: PINNED }).where(eq(connections.id, created.id));
  return created;
}

const mysqlSettings = (over: Record<string, string | number> = {}) => ({
  host: 'db.internal',
  port: 3306,
  database: 'analytics',
  username: 'reader',
  sslMode: 'require',
  sshHost: 'bastion.example.com',
  sshPort: 22,
  sshUsername: 'quarry',
  ...over,
});

/** A key pair made for these tests (it opens nothing). */
let key: TestKey;
let SSH_KEY = '';
const keyDir = mkdtempSync(join(tmpdir(), 'quarry-api-ssh-'));
beforeAll(() => {
  key = generateKey(keyDir);
  SSH_KEY = key.privateKey;
});
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

describe('a connection through an SSH tunnel', () => {
  it('forgets the pinned key when the SSH server changes, and keeps it otherwise', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await tunneledConnection();
    await admin.connections.update({
      connectionId: created.id,
      name: created.name,
      settings: mysqlSettings({ database: 'other' }),
      secrets: {},
    });
    expect(await pinOf(created.id)).toBe(PINNED);
    await admin.connections.update({
      connectionId: created.id,
      name: created.name,
      settings: mysqlSettings({ database: 'other', sshHost: 'bastion2.example.com' }),
      secrets: { password: randomUUID(), sshPrivateKey: SSH_KEY },
    });
    expect(await pinOf(created.id)).toBeNull();
  });

  it('asks for the stored secrets again when the SSH host, port or user changes (they go where they were entered for)', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await tunneledConnection();
    const moves: Record<string, string | number>[] = [
      { sshHost: 'attacker.example.com' },
      { sshPort: 2222 },
      { sshUsername: 'someone' },
    ];
    for (const moved of moves) {
      const refused = await refusal(
        admin.connections.update({
          connectionId: created.id,
          name: created.name,
          settings: mysqlSettings(moved),
          secrets: {},
        }),
      );
      expect(refused.quarry, JSON.stringify(moved)).toBe('connections.invalid_settings');
      expect(refused.message).toMatch(/again: the SSH (host|port|user name) changed/);
    }
    expect(await pinOf(created.id)).toBe(PINNED);
  });

  it('needs the SSH user and key with an SSH host, and refuses a public key or a path as the key', async () => {
    const admin = await h.as(h.a, 'admin');
    const create = (settings: Record<string, string | number>, secrets: Record<string, string>) =>
      refusal(admin.connections.create({ name: uniqueName('bad'), kind: 'mysql', settings, secrets }));
    const { sshUsername: _user, ...withoutUser } = mysqlSettings();
    const noUser = await create(withoutUser, { sshPrivateKey: SSH_KEY });
    expect(noUser.details).toEqual({ field: 'sshUsername' });
    const noKey = await create(mysqlSettings(), {});
    expect(noKey.details).toEqual({ field: 'sshPrivateKey' });
    const path = await create(mysqlSettings(), { sshPrivateKey: '/home/me/.ssh/id_ed25519' });
    expect(path.message).toMatch(/not the path of its file/);
    const publicKey = await create(mysqlSettings(), {
      sshPrivateKey: key.publicKey,
    });
    expect(publicKey.message).toMatch(/This is a public key/);
  });

  it('never answers the private key back', async () => {
    const admin = await h.as(h.a, 'admin');
    const created = await tunneledConnection();
    const detail = await admin.connections.get({ connectionId: created.id });
    expect(detail.storedSecrets.sort()).toEqual(['password', 'sshPrivateKey']);
    const answered = JSON.stringify([detail, await admin.connections.list()]);
    expect(answered).not.toContain('PRIVATE KEY');
    expect(answered).not.toContain(SSH_KEY.split('\n')[1]);
  });
});
