import { secretValueContext } from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv, type Vault, type VaultEnv } from '@quarry/vault';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RotationReport, rotateSealedRecords } from './rotate-sealed-records';
import { readBatch, swapRecord } from './sealed-column-queries';
import { SEALED_COLUMNS } from './sealed-columns';
import {
  recordAddress,
  type SealedPlaintexts,
  sealEveryKind,
  storedRecords,
} from './testing/seal-every-kind';

const vaultFrom = (env: VaultEnv): Vault => {
  const loaded = loadVaultFromEnv(env);
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
};

const keyA = generateMasterKey();
const keyB = generateMasterKey();
const keyC = generateMasterKey();
const underA = vaultFrom({ QUARRY_MASTER_KEY: keyA });
const underC = vaultFrom({ QUARRY_MASTER_KEY: keyC });
/** Mid-rotation: B is active, A still opens old records. */
const rotating = vaultFrom({ QUARRY_MASTER_KEY: keyB, QUARRY_PREVIOUS_MASTER_KEYS: keyA });
/** After rotation: the old key is gone. */
const onlyB = vaultFrom({ QUARRY_MASTER_KEY: keyB });

const PER_KIND = 5;
const WORKSPACE = 'wsp_rotation';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());
beforeEach(async () => {
  await database.sql`truncate connections, connection_probes, secrets, sso_providers, runs, result_cache_keys cascade`;
});

const keyIds = async () => {
  const ids: Record<string, number> = {};
  for (const stored of await storedRecords(database.db)) {
    const id = rotating.keyIdOf(stored.record);
    const label = id.ok ? id.value : id.error.code;
    ids[label] = (ids[label] ?? 0) + 1;
  }
  return ids;
};

/** Opens every stored record with `vault` and returns what it holds, by address. */
const openAll = async (vault: Vault): Promise<SealedPlaintexts> => {
  const opened: SealedPlaintexts = new Map();
  for (const { entry, keys, workspaceId, record } of await storedRecords(database.db)) {
    const text = vault.openText(record, entry.context({ workspaceId, keys }));
    opened.set(recordAddress(entry.kind, keys), text.ok ? text.value : text.error.code);
  }
  return opened;
};

const countsOf = (report: RotationReport, kind: string) =>
  report.kinds.find((entry) => entry.kind === kind)?.counts;

const total = (report: RotationReport, field: 'checked' | 'rewrapped' | 'alreadyCurrent' | 'failed') =>
  report.kinds.reduce((sum, entry) => sum + entry.counts[field], 0);

describe('rotateSealedRecords', () => {
  it('finishes a rotation interrupted after its first batch, after which the new key alone opens every record', async () => {
    const sealed = await sealEveryKind(database.db, underA, { workspaceId: WORKSPACE, perKind: PER_KIND });
    const records = sealed.size;
    expect(records).toBe(PER_KIND * SEALED_COLUMNS.length);
    // One chunk is too big to come inline with its batch: rotation must read it on its own.
    const chunkEntry = SEALED_COLUMNS.find((entry) => entry.kind === 'run.chunk');
    if (!chunkEntry) throw new Error('no run.chunk entry');
    const chunkRows = await readBatch(database.db, chunkEntry, { after: null, limit: 100 });
    expect(chunkRows).toHaveLength(PER_KIND);
    expect(chunkRows.filter((row) => row.record === null)).toHaveLength(1);

    const controller = new AbortController();
    const progress: string[] = [];
    const interrupted = await rotateSealedRecords({
      db: database.db,
      vault: rotating,
      batchSize: 2,
      signal: controller.signal,
      onProgress: ({ kind, batch }) => {
        progress.push(`${kind}#${batch}`);
        controller.abort();
      },
    });
    expect(interrupted.completed).toBe(false);
    expect(progress).toEqual(['connection.credentials#1']);
    expect(countsOf(interrupted, 'connection.credentials')).toEqual({
      checked: 2,
      rewrapped: 2,
      alreadyCurrent: 0,
      failed: 0,
      vanished: 0,
    });
    expect(await keyIds()).toEqual({ [rotating.activeKeyId]: 2, [underA.activeKeyId]: records - 2 });
    // Half-rotated, the app (holding both keys) still opens everything.
    expect(await openAll(rotating)).toEqual(sealed);

    const resumed = await rotateSealedRecords({ db: database.db, vault: rotating, batchSize: 2 });
    expect(resumed.completed).toBe(true);
    expect(resumed.failures).toEqual([]);
    expect(resumed.kinds.map((entry) => entry.kind)).toEqual(SEALED_COLUMNS.map((entry) => entry.kind));
    expect(countsOf(resumed, 'connection.credentials')).toEqual({
      checked: PER_KIND,
      rewrapped: PER_KIND - 2,
      alreadyCurrent: 2,
      failed: 0,
      vanished: 0,
    });
    expect(total(resumed, 'rewrapped')).toBe(records - 2);
    expect(await keyIds()).toEqual({ [rotating.activeKeyId]: records });

    expect(underA.activeKeyId).not.toBe(onlyB.activeKeyId);
    expect(await openAll(onlyB)).toEqual(sealed);
    expect(await openAll(underA)).not.toEqual(sealed);
  });

  it('rewraps nothing when run a second time', async () => {
    const sealed = await sealEveryKind(database.db, underA, { workspaceId: WORKSPACE, perKind: 3 });
    const first = await rotateSealedRecords({ db: database.db, vault: rotating, batchSize: 4 });
    expect(total(first, 'rewrapped')).toBe(sealed.size);
    const before = await storedRecords(database.db);

    const second = await rotateSealedRecords({ db: database.db, vault: rotating, batchSize: 4 });
    expect(second.completed).toBe(true);
    expect(total(second, 'rewrapped')).toBe(0);
    expect(total(second, 'alreadyCurrent')).toBe(sealed.size);
    expect(total(second, 'checked')).toBe(sealed.size);
    const after = await storedRecords(database.db);
    expect(after.map((stored) => stored.record.toString('hex'))).toEqual(
      before.map((stored) => stored.record.toString('hex')),
    );
  });

  it('never overwrites an edit the app makes between the read and the write, and re-wraps the edited record', async () => {
    const sealed = await sealEveryKind(database.db, underA, { workspaceId: WORKSPACE, perKind: 3 });
    const secretsEntry = SEALED_COLUMNS.find((entry) => entry.kind === 'secret.value');
    if (!secretsEntry) throw new Error('no secret.value entry');
    const edited = new Set<string>();
    const report = await rotateSealedRecords({
      db: database.db,
      vault: rotating,
      batchSize: 2,
      beforeWrite: async ({ kind, keys }) => {
        if (kind !== 'secret.value' || edited.size > 0) return;
        const id = String(keys[0]);
        edited.add(id);
        // An API process still on the old key saves a new value for this secret right now.
        const context = secretValueContext(WORKSPACE, id);
        const [current] = await database.sql<{ value: Buffer }[]>`select value from secrets where id = ${id}`;
        if (!current) throw new Error('secret vanished');
        const swapped = await swapRecord(database.db, secretsEntry, {
          keys,
          previous: current.value,
          next: underA.seal('edited while rotating', context),
        });
        expect(swapped).toBe(true);
      },
    });
    expect(report.failures).toEqual([]);
    expect(countsOf(report, 'secret.value')).toMatchObject({ checked: 3, rewrapped: 3 });
    const [editedId] = [...edited];
    expect(edited.size).toBe(1);
    expect(editedId).toMatch(/^sec_/);
    const opened = await openAll(onlyB);
    expect(opened.get(recordAddress('secret.value', [editedId ?? '']))).toBe('edited while rotating');
    for (const [address, plaintext] of sealed) {
      if (address !== recordAddress('secret.value', [editedId ?? '']))
        expect(opened.get(address)).toBe(plaintext);
    }
  });

  it('counts a record the app deletes between the read and the write as vanished, not failed', async () => {
    await sealEveryKind(database.db, underA, { workspaceId: WORKSPACE, perKind: 2 });
    let deleted: string | undefined;
    const report = await rotateSealedRecords({
      db: database.db,
      vault: rotating,
      beforeWrite: async ({ kind, keys }) => {
        if (kind !== 'connection.probe' || deleted) return;
        deleted = String(keys[0]);
        await database.sql`delete from connection_probes where id = ${deleted}`;
      },
    });
    expect(report.failures).toEqual([]);
    expect(countsOf(report, 'connection.probe')).toEqual({
      checked: 2,
      rewrapped: 1,
      alreadyCurrent: 0,
      failed: 0,
      vanished: 1,
    });
  });

  it('reports a tampered record and one under an unknown key by kind and id, and rotates all the others', async () => {
    const sealed = await sealEveryKind(database.db, underA, { workspaceId: WORKSPACE, perKind: 3 });
    const [secret] = await database.sql<
      { id: string; value: Buffer }[]
    >`select id, value from secrets order by id limit 1`;
    const [connection] = await database.sql<{ id: string }[]>`
      select id from connections where credentials is not null order by id limit 1`;
    if (!secret || !connection) throw new Error('fixture missing');
    const tampered = Buffer.from(secret.value);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await database.sql`update secrets set value = ${tampered} where id = ${secret.id}`;
    const foreign = underC.seal('sealed elsewhere', {
      workspaceId: WORKSPACE,
      recordId: connection.id,
      purpose: 'connection.credentials',
    });
    await database.sql`update connections set credentials = ${foreign} where id = ${connection.id}`;

    const report = await rotateSealedRecords({ db: database.db, vault: rotating, batchSize: 2 });
    expect(report.completed).toBe(true);
    expect(report.failures).toEqual([
      {
        kind: 'connection.credentials',
        id: connection.id,
        code: 'vault.unknown_key',
        keyId: underC.activeKeyId,
      },
      { kind: 'secret.value', id: secret.id, code: 'vault.tampered', keyId: underA.activeKeyId },
    ]);
    expect(total(report, 'failed')).toBe(2);
    expect(total(report, 'rewrapped')).toBe(sealed.size - 2);

    const [stillTampered] = await database.sql<
      { value: Buffer }[]
    >`select value from secrets where id = ${secret.id}`;
    expect(stillTampered?.value.equals(tampered)).toBe(true);
    // Both failures stay as they were: neither is under the new key, and the rest all are.
    const failed = [
      recordAddress('secret.value', [secret.id]),
      recordAddress('connection.credentials', [connection.id]),
    ];
    const opened = await openAll(onlyB);
    for (const [address, plaintext] of sealed) {
      expect(opened.get(address)).toBe(failed.includes(address) ? 'vault.unknown_key' : plaintext);
    }
  });

  it('refuses a record moved to another row: its context no longer matches', async () => {
    await sealEveryKind(database.db, underA, { workspaceId: WORKSPACE, perKind: 2 });
    const [first, second] = await database.sql<
      { id: string; value: Buffer }[]
    >`select id, value from secrets order by id`;
    if (!first || !second) throw new Error('fixture missing');
    await database.sql`update secrets set value = ${first.value} where id = ${second.id}`;
    const report = await rotateSealedRecords({ db: database.db, vault: rotating });
    expect(report.failures).toEqual([
      { kind: 'secret.value', id: second.id, code: 'vault.tampered', keyId: underA.activeKeyId },
    ]);
  });

  it('refuses a batch size that is not a positive integer', async () => {
    for (const batchSize of [0, -1, 1.5, Number.NaN]) {
      await expect(rotateSealedRecords({ db: database.db, vault: rotating, batchSize })).rejects.toThrow(
        RangeError,
      );
    }
  });
});
