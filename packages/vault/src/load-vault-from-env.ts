import { createVault, type Vault } from './create-vault';
import type { Kek } from './kek';
import { kekIdFor } from './kek-id-for';
import { decodeMasterKey } from './parse-master-key';
import { err, ok, type Result } from './result';
import { badMasterKeyError, type VaultError } from './vault-error';

export type VaultEnv = {
  /** The active master key: base64 of 32 random bytes. New records and re-wraps use it. */
  QUARRY_MASTER_KEY?: string | undefined;
  /** Earlier master keys, comma-separated base64, kept so old records open until re-wrapped. */
  QUARRY_PREVIOUS_MASTER_KEYS?: string | undefined;
};

/**
 * Builds the vault from the master key variables. Every key is identified by `kekIdFor`, so the
 * previous keys may be listed in any order; repeats (including the active key) are ignored.
 */
export const loadVaultFromEnv = (env: VaultEnv): Result<Vault, VaultError> => {
  const activeText = env.QUARRY_MASTER_KEY ?? '';
  if (activeText.trim() === '') {
    return err(
      badMasterKeyError('QUARRY_MASTER_KEY is not set; Quarry needs a master key to encrypt secrets'),
    );
  }
  const activeKey = decodeMasterKey(activeText, 'QUARRY_MASTER_KEY');
  if (!activeKey.ok) return activeKey;
  const activeKeyId = kekIdFor(activeKey.value);
  const keys: Kek[] = [{ id: activeKeyId, key: activeKey.value }];

  const previous = (env.QUARRY_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const [index, entry] of previous.entries()) {
    const key = decodeMasterKey(entry, `Entry ${index + 1} of QUARRY_PREVIOUS_MASTER_KEYS`);
    if (!key.ok) {
      for (const kek of keys) kek.key.fill(0);
      return key;
    }
    const id = kekIdFor(key.value);
    if (keys.some((kek) => kek.id === id)) {
      key.value.fill(0);
      continue;
    }
    keys.push({ id, key: key.value });
  }

  const vault = createVault({ keys, activeKeyId });
  for (const kek of keys) kek.key.fill(0);
  return ok(vault);
};
