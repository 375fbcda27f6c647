import { randomUUID } from 'node:crypto';
import { generateKey, sshdAvailable, startSshd, type TestSshd } from '@quarry/connectors/testing/sshd';
import { newId } from '@quarry/db';
import {
  auditEvents,
  connectionCredentialsContext,
  connectionProbeContext,
  connectionProbes,
  connections,
  workspaces,
} from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, count, eq, isNotNull } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from './test-connection';

/** MariaDB on the machine (MYSQL_URL), reached through the test sshd on loopback. */
const mysqlUrl = process.env.MYSQL_URL ? new URL(process.env.MYSQL_URL) : null;
if (!mysqlUrl && process.env.CI === 'true') throw new Error('MYSQL_URL is required under CI');

let database: TestDatabase;
let sshd: TestSshd;
let vault: Vault;
let deps: Parameters<typeof testConnection>[0];
const workspaceId = newId('workspace');
const requestedBy = newId('user');

const settings = () => ({
  host: mysqlUrl?.hostname ?? '127.0.0.1',
  port: Number(mysqlUrl?.port || 3306),
  database: mysqlUrl?.pathname.slice(1) || 'test',
  username: decodeURIComponent(mysqlUrl?.username || 'root'),
  sslMode: 'disable',
  sshHost: sshd.host,
  sshPort: sshd.port,
  sshUsername: sshd.username,
});

async function tunneledConnection(over: { sshHostKey?: string } = {}) {
  const id = newId('connection');
  await database.db.insert(connections).values({
    id,
    workspaceId,
    name: `ssh ${randomUUID().slice(0, 8)}`,
    kind: 'mysql',
    settings: settings(),
    credentials: vault.seal(
      JSON.stringify({ sshPrivateKey: sshd.key.privateKey }),
      connectionCredentialsContext(workspaceId, id),
    ),
    storedSecrets: ['sshPrivateKey'],
    createdBy: requestedBy,
    ...(over.sshHostKey ? { sshHostKey: over.sshHostKey } : {}),
  });
  return id;
}

const pinOf = async (id: string) =>
  (
    await database.db.select({ key: connections.sshHostKey }).from(connections).where(eq(connections.id, id))
  )[0]?.key;

const testSaved = (connectionId: string) =>
  testConnection(deps, { workspaceId, requestedBy, target: { type: 'connection', connectionId } });

describe.skipIf(!sshdAvailable(process.env.CI === 'true') || !mysqlUrl)(
  'testing a connection through an SSH tunnel',
  () => {
    beforeAll(async () => {
      database = await createTestDatabase();
      sshd = await startSshd();
      const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
      if (!loaded.ok) throw new Error(loaded.error.message);
      vault = loaded.value;
      deps = {
        db: database.db,
        vault,
        log: pino({ level: 'silent' }),
        now: () => new Date(),
        allowPrivateHosts: LOOPBACK_ALLOW_LIST,
      };
      await database.db.insert(workspaces).values({ id: workspaceId, name: 'SSH' });
    });
    afterAll(async () => {
      await sshd?.stop();
      await database?.drop();
    });

    it("pins the SSH server's host key on the first passing test, audited, and keeps it on the next", async () => {
      const id = await tunneledConnection();
      const first = await testSaved(id);
      expect(first).toMatchObject({
        ok: true,
        sshHostKey: sshd.hostKey,
        serverVersion: expect.stringMatching(/MariaDB/),
      });
      expect(await pinOf(id)).toBe(sshd.hostKey);
      const [event] = await database.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'connection.ssh_host_key_pin'), eq(auditEvents.targetId, id)));
      expect(event?.details).toMatchObject({ fingerprint: sshd.hostKey });
      expect(event?.actorId).toBe(requestedBy);

      const again = await testSaved(id);
      expect(again).toMatchObject({ ok: true, sshHostKey: sshd.hostKey });
      expect(await pinOf(id)).toBe(sshd.hostKey);
    });

    it('refuses a server whose key changed, showing both fingerprints, and leaves the pin as it was', async () => {
      const pinned = generateKey(sshd.dir).fingerprint;
      const id = await tunneledConnection({ sshHostKey: pinned });
      const result = await testSaved(id);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('ssh.host_key_changed');
        expect(result.error.message).toContain(pinned);
        expect(result.error.message).toContain(sshd.hostKey);
      }
      expect(await pinOf(id)).toBe(pinned);
    });

    it('does not pin when the test fails', async () => {
      const id = await tunneledConnection();
      await database.db
        .update(connections)
        .set({ settings: { ...settings(), port: 1 } })
        .where(eq(connections.id, id));
      const failed = await testSaved(id);
      expect(failed.ok || failed.error.code).toBe('ssh.target_unreachable');
      expect(await pinOf(id)).toBeNull();
    });

    it('answers a probe with the key it saw and pins nothing', async () => {
      const pinnedRows = async () =>
        (
          await database.db.select({ n: count() }).from(connections).where(isNotNull(connections.sshHostKey))
        )[0]?.n;
      const before = await pinnedRows();
      const probeId = newId('probe');
      await database.db.insert(connectionProbes).values({
        id: probeId,
        workspaceId,
        kind: 'mysql',
        settings: settings(),
        credentials: vault.seal(
          JSON.stringify({ sshPrivateKey: sshd.key.privateKey }),
          connectionProbeContext(workspaceId, probeId),
        ),
        requestedBy,
        expiresAt: new Date(Date.now() + 60_000),
      });
      const result = await testConnection(deps, {
        workspaceId,
        requestedBy,
        target: { type: 'probe', probeId },
      });
      expect(result).toMatchObject({ ok: true, sshHostKey: sshd.hostKey });
      expect(await pinnedRows()).toBe(before);
    });
  },
);
