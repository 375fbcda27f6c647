import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { newId } from '@quarry/db';
import {
  connectionCredentialsContext,
  connections,
  secrets,
  secretValueContext,
  ssoProviders,
} from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv, type Vault, type VaultEnv } from '@quarry/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultRotate } from './vault-rotate';

const vaultFrom = (env: VaultEnv): Vault => {
  const loaded = loadVaultFromEnv(env);
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
};

const WORKSPACE = 'wsp_cli_rotation';
const keyA = generateMasterKey();
const keyB = generateMasterKey();
const underA = vaultFrom({ QUARRY_MASTER_KEY: keyA });
const onlyB = vaultFrom({ QUARRY_MASTER_KEY: keyB });
const plaintexts: string[] = [];
const secretIds: string[] = [];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  for (let index = 0; index < 3; index += 1) {
    const secretId = newId('secret');
    const value = `value-${randomUUID()}`;
    plaintexts.push(value);
    secretIds.push(secretId);
    await database.db.insert(secrets).values({
      id: secretId,
      workspaceId: WORKSPACE,
      name: `secret_${index}`,
      value: underA.seal(value, secretValueContext(WORKSPACE, secretId)),
      createdBy: 'usr_cli',
    });
  }
  const connectionId = newId('connection');
  const credentials = JSON.stringify({ password: `value-${randomUUID()}` });
  plaintexts.push(credentials);
  await database.db.insert(connections).values({
    id: connectionId,
    workspaceId: WORKSPACE,
    name: 'warehouse',
    kind: 'postgres',
    credentials: underA.seal(credentials, connectionCredentialsContext(WORKSPACE, connectionId)),
    createdBy: 'usr_cli',
  });
  const providerId = newId('sso');
  const clientSecret = `value-${randomUUID()}`;
  plaintexts.push(clientSecret);
  await database.db.insert(ssoProviders).values({
    id: providerId,
    workspaceId: WORKSPACE,
    kind: 'oidc',
    name: 'idp',
    issuer: 'https://idp.example.test',
    clientId: 'quarry',
    clientSecret: underA.seal(clientSecret, {
      workspaceId: WORKSPACE,
      recordId: providerId,
      purpose: 'sso.client_secret',
    }),
  });
});
afterAll(() => database?.drop());

const cli = (args: string[], keys: Record<string, string>) => {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, ...keys };
  if (!('QUARRY_MASTER_KEY' in keys)) delete env.QUARRY_MASTER_KEY;
  if (!('QUARRY_PREVIOUS_MASTER_KEYS' in keys)) delete env.QUARRY_PREVIOUS_MASTER_KEYS;
  return spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], {
    encoding: 'utf8',
    env,
  });
};

/** The command called as a function: its exit code and every line it printed. */
const rotateInProcess = async (keys: VaultEnv, signal?: AbortSignal) => {
  const lines: string[] = [];
  const code = await vaultRotate({
    databaseUrl: database.url,
    keys,
    ...(signal ? { signal } : {}),
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
  });
  return { code, output: lines.join('\n') };
};

/** Nothing secret may reach the terminal: no plaintext, no master key, in any encoding we store. */
const expectNoSecrets = (output: string) => {
  for (const secret of [...plaintexts, keyA, keyB]) expect(output).not.toContain(secret);
  expect(output).not.toContain(Buffer.from(keyA, 'base64').toString('hex'));
  expect(output).not.toContain(Buffer.from(keyB, 'base64').toString('hex'));
};

/** The summary row of a kind: its numbers in column order. */
const summaryRow = (stdout: string, kind: string) =>
  stdout
    .split('\n')
    .find((line) => line.trim().startsWith(`${kind} `) && !line.includes('batch'))
    ?.trim()
    .split(/\s+/)
    .slice(1);

describe('quarry vault rotate', () => {
  it('re-wraps every record, prints counts per kind and when the old key may go, and prints no secret', async () => {
    const result = cli(['vault', 'rotate', '--batch-size', '2'], {
      QUARRY_MASTER_KEY: keyB,
      QUARRY_PREVIOUS_MASTER_KEYS: keyA,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`under master key ${onlyB.activeKeyId}, 2 per batch`);
    expect(result.stdout).toContain('secret.value batch 1: 2 checked, 2 re-wrapped');
    expect(result.stdout).toContain('secret.value batch 2: 3 checked, 3 re-wrapped');
    // checked, re-wrapped, already current, failed, gone
    expect(summaryRow(result.stdout, 'secret.value')).toEqual(['3', '3', '0', '0', '0']);
    expect(summaryRow(result.stdout, 'connection.credentials')).toEqual(['1', '1', '0', '0', '0']);
    expect(summaryRow(result.stdout, 'sso.client_secret')).toEqual(['1', '1', '0', '0', '0']);
    expect(summaryRow(result.stdout, 'run.chunk')).toEqual(['0', '0', '0', '0', '0']);
    expect(result.stdout).toContain('safe to remove the old keys from QUARRY_PREVIOUS_MASTER_KEYS');
    expectNoSecrets(result.stdout + result.stderr);

    const rows = await database.sql<
      { id: string; value: Buffer }[]
    >`select id, value from secrets order by id`;
    for (const row of rows) {
      const opened = onlyB.openText(row.value, secretValueContext(WORKSPACE, row.id));
      expect(opened.ok && plaintexts.includes(opened.value)).toBe(true);
    }
  });

  it('re-wraps nothing the second time and says so', async () => {
    const { code, output } = await rotateInProcess({
      QUARRY_MASTER_KEY: keyB,
      QUARRY_PREVIOUS_MASTER_KEYS: keyA,
    });
    expect(code).toBe(0);
    expect(summaryRow(output, 'secret.value')).toEqual(['3', '0', '3', '0', '0']);
    expect(output).toContain('safe to remove the old keys');
    expectNoSecrets(output);
  });

  it('names a record it cannot open, keeps going, advises keeping the old key and exits 1', async () => {
    const id = secretIds[1] ?? '';
    const [row] = await database.sql<{ value: Buffer }[]>`select value from secrets where id = ${id}`;
    if (!row) throw new Error('fixture missing');
    // A record sealed under a key the command is not given (restored from an old backup, say).
    const stray = vaultFrom({ QUARRY_MASTER_KEY: generateMasterKey() });
    await database.sql`update secrets set value = ${stray.seal('restored', secretValueContext(WORKSPACE, id))} where id = ${id}`;
    const result = cli(['vault', 'rotate'], { QUARRY_MASTER_KEY: keyB, QUARRY_PREVIOUS_MASTER_KEYS: keyA });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`✗ secret.value ${id} (under ${stray.activeKeyId}): vault.unknown_key`);
    expect(summaryRow(result.stdout, 'secret.value')).toEqual(['3', '0', '2', '1', '0']);
    expect(result.stdout).toContain('Keep the old keys in QUARRY_PREVIOUS_MASTER_KEYS');
    expect(result.stdout).not.toContain('safe to remove');
    expectNoSecrets(result.stdout + result.stderr);
    await database.sql`update secrets set value = ${row.value} where id = ${id}`;
  });

  it('refuses to start without a master key, and says how to make one', async () => {
    const { code, output } = await rotateInProcess({});
    expect(code).toBe(2);
    expect(output).toContain('QUARRY_MASTER_KEY is not set');
    expect(output).toContain('openssl rand -base64 32');
  });

  it('refuses a malformed master key without repeating it', async () => {
    const malformed = `${keyB.slice(0, 20)}!`;
    const { code, output } = await rotateInProcess({ QUARRY_MASTER_KEY: malformed });
    expect(code).toBe(2);
    expect(output).toContain('QUARRY_MASTER_KEY is not valid base64');
    expect(output).not.toContain(malformed);
  });

  it('refuses a batch size that is not a positive whole number', () => {
    for (const size of ['0', 'many']) {
      const result = cli(['vault', 'rotate', '--batch-size', size], { QUARRY_MASTER_KEY: keyB });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--batch-size must be a positive whole number');
    }
  });

  it('stops before the first batch when interrupted, and says to run it again', async () => {
    const controller = new AbortController();
    controller.abort();
    const { code, output } = await rotateInProcess(
      { QUARRY_MASTER_KEY: keyB, QUARRY_PREVIOUS_MASTER_KEYS: keyA },
      controller.signal,
    );
    expect(code).toBe(130);
    expect(output).toContain('Interrupted. Nothing is half-written');
    expect(output).not.toContain('safe to remove');
  });

  it('explains both commands for an unknown one', () => {
    const result = cli(['vault', 'open'], {});
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('quarry vault rotate [--batch-size <n>]');
  });
});
