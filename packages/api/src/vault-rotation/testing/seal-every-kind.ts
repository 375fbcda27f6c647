import { randomBytes, randomUUID } from 'node:crypto';
import { type Db, newId } from '@quarry/db';
import {
  connectionCredentialsContext,
  connectionProbeContext,
  connectionProbes,
  connections,
  resultCacheKeys,
  runSessionKeyContext,
  runs,
  secrets,
  secretValueContext,
  ssoProviders,
  workspaces,
} from '@quarry/db/schema';
import { beginCacheEntry, cacheHmacKeyContext, cacheKeyFor, cacheKeyHash, writeChunk } from '@quarry/results';
import type { Vault } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import { clientSecretContext } from '../../sso/services/client-secret-context';
import { readBatch, readRecord } from '../sealed-column-queries';
import { type KeyValue, SEALED_COLUMNS, type SealedColumn } from '../sealed-columns';

/** Where a sealed record lives: its kind and primary key, e.g. `secret.value/sec_…`. */
export const recordAddress = (kind: string, keys: readonly KeyValue[]) => `${kind}/${keys.join(':')}`;

/** What was sealed at each address, to compare with what opens after rotation. */
export type SealedPlaintexts = Map<string, string>;

/**
 * Seals `perKind` records of every kind under `vault`, through the same context builders the app
 * uses (chunks through the results store's own writer), plus one connection draft with no
 * credentials, which rotation must pass over. Values are random: nothing here looks like a credential.
 */
export async function sealEveryKind(
  db: Db,
  vault: Vault,
  input: { workspaceId: string; perKind: number },
): Promise<SealedPlaintexts> {
  const sealed: SealedPlaintexts = new Map();
  const { workspaceId } = input;
  const value = () => `value-${randomUUID()}`;
  for (let index = 0; index < input.perKind; index += 1) {
    const connectionId = newId('connection');
    const credentials = JSON.stringify({ password: value() });
    await db.insert(connections).values({
      id: connectionId,
      workspaceId,
      name: `warehouse ${index}`,
      kind: 'postgres',
      credentials: vault.seal(credentials, connectionCredentialsContext(workspaceId, connectionId)),
      createdBy: 'usr_rotation',
    });
    sealed.set(recordAddress('connection.credentials', [connectionId]), credentials);

    const probeId = newId('probe');
    const probeCredentials = JSON.stringify({ password: value() });
    await db.insert(connectionProbes).values({
      id: probeId,
      workspaceId,
      kind: 'postgres',
      settings: {},
      credentials: vault.seal(probeCredentials, connectionProbeContext(workspaceId, probeId)),
      requestedBy: 'usr_rotation',
      expiresAt: new Date(Date.now() + 60_000),
    });
    sealed.set(recordAddress('connection.probe', [probeId]), probeCredentials);

    const secretId = newId('secret');
    const secret = value();
    await db.insert(secrets).values({
      id: secretId,
      workspaceId,
      name: `secret_${index}_${randomBytes(3).toString('hex')}`,
      value: vault.seal(secret, secretValueContext(workspaceId, secretId)),
      createdBy: 'usr_rotation',
    });
    sealed.set(recordAddress('secret.value', [secretId]), secret);

    const providerId = newId('sso');
    const clientSecret = value();
    await db.insert(ssoProviders).values({
      id: providerId,
      workspaceId,
      kind: 'oidc',
      name: `idp ${index}`,
      issuer: 'https://idp.example.test',
      clientId: `client-${index}`,
      clientSecret: vault.seal(clientSecret, clientSecretContext(workspaceId, providerId)),
    });
    sealed.set(recordAddress('sso.client_secret', [providerId]), clientSecret);
  }

  await db.insert(connections).values({
    id: newId('connection'),
    workspaceId,
    name: 'draft without credentials',
    kind: 'postgres',
    status: 'draft',
    createdBy: 'usr_rotation',
  });

  // Chunks have a two-column key (run, seq): spread them over two runs so pages cross a run, and
  // make the last one bigger than a batch reads inline.
  const runIds = [newId('run'), newId('run')];
  const runRow = (id: string) => ({
    id,
    workspaceId,
    projectId: 'prj_rotation',
    cellId: 'cel_rotation',
    ownerId: 'usr_rotation',
    connectionId: 'con_rotation',
    source: 'select 1',
    rowLimit: 100,
  });
  for (const runId of runIds) await db.insert(runs).values(runRow(runId));
  // Runs holding their warehouse session's sealed cancel key (orphan cancel, JOB-6).
  for (let index = 0; index < input.perKind; index += 1) {
    const runId = newId('run');
    const sessionKey = JSON.stringify({ pid: 1000 + index, secret: value() });
    await db.insert(runs).values({
      ...runRow(runId),
      sessionKey: vault.seal(sessionKey, runSessionKeyContext(workspaceId, runId)),
    });
    sealed.set(recordAddress('run.session_key', [runId]), sessionKey);
  }
  for (let index = 0; index < input.perKind; index += 1) {
    const runId = runIds[index % runIds.length] ?? '';
    const seq = Math.floor(index / runIds.length) + 1;
    const big = index === input.perKind - 1;
    const rows = [[value(), big ? randomBytes(48 * 1024).toString('hex') : index]];
    await writeChunk(db, vault, {
      workspaceId,
      runId,
      seq,
      content: { kind: 'rows', rows },
      now: new Date(),
    });
    sealed.set(recordAddress('run.chunk', [runId, seq]), JSON.stringify(rows));
  }

  // A cached result being written (the cache's own writer), `perKind` chunks: the columns, then rows.
  await db.insert(workspaces).values({ id: workspaceId, name: 'Rotation' }).onConflictDoNothing();
  const cachedOn = newId('connection');
  await db.insert(connections).values({
    id: cachedOn,
    workspaceId,
    name: 'cached warehouse',
    kind: 'postgres',
    status: 'draft',
    cacheTtlSeconds: 600,
    createdBy: 'usr_rotation',
  });
  const key = cacheKeyFor({
    workspaceId,
    connectionId: cachedOn,
    connectionVersion: 'v1',
    sql: value(),
    params: [],
    rowLimit: 1,
    identity: null,
  });
  const begun = await beginCacheEntry(db, vault, { key, ttlSeconds: 600, now: new Date() });
  if (!begun.ok) throw new Error(begun.error.code);
  const columns = [{ name: value(), type: 'text' as const, dbType: 'text' }];
  await begun.value.append({ kind: 'columns', columns });
  sealed.set(recordAddress('result.cache', [begun.value.entryId, 0]), JSON.stringify({ columns }));
  for (let seq = 1; seq < input.perKind; seq += 1) {
    const rows = [[value()]];
    await begun.value.append({ kind: 'rows', rows });
    sealed.set(recordAddress('result.cache', [begun.value.entryId, seq]), JSON.stringify(rows));
  }

  // Each workspace's cache key (this one's, made above, and more workspaces' through the same path).
  const keyWorkspaces = [workspaceId];
  for (let index = 1; index < input.perKind; index += 1) {
    const id = newId('workspace');
    await db.insert(workspaces).values({ id, name: `Rotation ${index}` });
    const hashed = await cacheKeyHash(db, vault, { ...key, workspaceId: id });
    if (!hashed.ok) throw new Error(hashed.error.code);
    keyWorkspaces.push(id);
  }
  for (const id of keyWorkspaces) {
    const [row] = await db.select().from(resultCacheKeys).where(eq(resultCacheKeys.workspaceId, id));
    const opened = row ? vault.openText(row.sealedKey, cacheHmacKeyContext(id)) : null;
    if (!opened?.ok) throw new Error('the cache key did not open');
    sealed.set(recordAddress('result.cache.key', [id]), opened.value);
  }
  return sealed;
}

export type StoredRecord = { entry: SealedColumn; keys: KeyValue[]; workspaceId: string; record: Buffer };

/** Every sealed record in the database, as stored now. */
export async function storedRecords(db: Db): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const entry of SEALED_COLUMNS) {
    for (const row of await readBatch(db, entry, { after: null, limit: 100_000 })) {
      const record = row.record ?? (await readRecord(db, entry, row.keys));
      if (record) out.push({ entry, keys: row.keys, workspaceId: row.workspaceId, record });
    }
  }
  return out;
}
