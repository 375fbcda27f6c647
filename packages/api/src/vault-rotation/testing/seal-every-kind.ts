import { randomBytes, randomUUID } from 'node:crypto';
import { type Db, newId } from '@quarry/db';
import {
  connectionCredentialsContext,
  connectionProbeContext,
  connectionProbes,
  connections,
  runs,
  secrets,
  secretValueContext,
  ssoProviders,
} from '@quarry/db/schema';
import { writeChunk } from '@quarry/results';
import type { Vault } from '@quarry/vault';
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
  for (const runId of runIds) {
    await db.insert(runs).values({
      id: runId,
      workspaceId,
      projectId: 'prj_rotation',
      cellId: 'cel_rotation',
      ownerId: 'usr_rotation',
      connectionId: 'con_rotation',
      source: 'select 1',
      rowLimit: 100,
    });
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
