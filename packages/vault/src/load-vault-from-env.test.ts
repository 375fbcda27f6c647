import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Vault } from './create-vault';
import { generateMasterKey } from './generate-master-key';
import { kekIdFor } from './kek-id-for';
import { loadVaultFromEnv, type VaultEnv } from './load-vault-from-env';
import type { VaultContext } from './vault-context';

const context: VaultContext = { workspaceId: 'wsp_acme', recordId: 'con_1', purpose: 'connection.password' };

const idOf = (base64: string) => kekIdFor(Buffer.from(base64, 'base64'));

const load = (env: VaultEnv): Vault => {
  const result = loadVaultFromEnv(env);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

describe('loadVaultFromEnv', () => {
  it('makes QUARRY_MASTER_KEY the active key, identified by kekIdFor', () => {
    const master = generateMasterKey();
    const vault = load({ QUARRY_MASTER_KEY: master });
    expect(vault.activeKeyId).toBe(idOf(master));
    const record = vault.seal('hunter2', context);
    expect(vault.keyIdOf(record)).toEqual({ ok: true, value: idOf(master) });
  });

  it('opens and re-wraps records sealed under any of QUARRY_PREVIOUS_MASTER_KEYS', () => {
    const [older, old, current] = [generateMasterKey(), generateMasterKey(), generateMasterKey()];
    const fromOlder = load({ QUARRY_MASTER_KEY: older }).seal('one', context);
    const fromOld = load({ QUARRY_MASTER_KEY: old }).seal('two', context);

    const vault = load({ QUARRY_MASTER_KEY: current, QUARRY_PREVIOUS_MASTER_KEYS: ` ${old} ,${older},, ` });
    expect(vault.openText(fromOlder, context)).toEqual({ ok: true, value: 'one' });
    expect(vault.openText(fromOld, context)).toEqual({ ok: true, value: 'two' });

    const rewrapped = vault.rewrap(fromOld, context);
    expect(rewrapped.ok && vault.keyIdOf(rewrapped.value)).toEqual({ ok: true, value: idOf(current) });
    if (!rewrapped.ok) return;
    expect(load({ QUARRY_MASTER_KEY: current }).openText(rewrapped.value, context)).toEqual({
      ok: true,
      value: 'two',
    });
  });

  it('ignores a previous key that repeats the active key or another previous key', () => {
    const [current, old] = [generateMasterKey(), generateMasterKey()];
    const vault = load({
      QUARRY_MASTER_KEY: current,
      QUARRY_PREVIOUS_MASTER_KEYS: `${current},${old},${old}`,
    });
    expect(vault.activeKeyId).toBe(idOf(current));
    const fromOld = load({ QUARRY_MASTER_KEY: old }).seal('x', context);
    expect(vault.openText(fromOld, context)).toEqual({ ok: true, value: 'x' });
  });

  it.each([
    ['QUARRY_MASTER_KEY is missing', {}, 'QUARRY_MASTER_KEY is not set'],
    ['QUARRY_MASTER_KEY is blank', { QUARRY_MASTER_KEY: ' ' }, 'QUARRY_MASTER_KEY is not set'],
    [
      'QUARRY_MASTER_KEY is 31 bytes',
      { QUARRY_MASTER_KEY: randomBytes(31).toString('base64') },
      'QUARRY_MASTER_KEY decodes to 31 bytes',
    ],
    [
      'a previous key is not base64',
      {
        QUARRY_MASTER_KEY: generateMasterKey(),
        QUARRY_PREVIOUS_MASTER_KEYS: `${generateMasterKey()},not*base64`,
      },
      'Entry 2 of QUARRY_PREVIOUS_MASTER_KEYS is not valid base64',
    ],
    [
      'a previous key is 33 bytes',
      {
        QUARRY_MASTER_KEY: generateMasterKey(),
        QUARRY_PREVIOUS_MASTER_KEYS: randomBytes(33).toString('base64'),
      },
      'Entry 1 of QUARRY_PREVIOUS_MASTER_KEYS decodes to 33 bytes',
    ],
  ])('refuses to start with vault.bad_master_key when %s', (_name, env: VaultEnv, message) => {
    const result = loadVaultFromEnv(env);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('vault.bad_master_key');
    expect(result.error.message).toContain(message);
    expect(result.error.hint).toContain('openssl rand -base64 32');
  });
});
