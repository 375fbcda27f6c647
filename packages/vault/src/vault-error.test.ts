import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVault } from './create-vault';
import { kekIdFor } from './kek-id-for';
import { loadVaultFromEnv } from './load-vault-from-env';
import { parseMasterKey } from './parse-master-key';
import type { Result } from './result';
import type { VaultContext } from './vault-context';
import type { VaultError, VaultErrorCode } from './vault-error';

const context: VaultContext = { workspaceId: 'wsp_acme', recordId: 'con_1', purpose: 'connection.password' };

const errorOf = <T>(result: Result<T, VaultError>): VaultError => {
  if (result.ok) throw new Error('expected an error');
  return result.error;
};

describe('vault errors', () => {
  it('never contain key material or plaintext, for every error code', () => {
    const key = randomBytes(32);
    const otherKey = randomBytes(32);
    const plaintext = 'correct-horse-battery-staple';
    const vault = createVault({ keys: [{ id: kekIdFor(key), key }], activeKeyId: kekIdFor(key) });
    const stranger = createVault({
      keys: [{ id: kekIdFor(otherKey), key: otherKey }],
      activeKeyId: kekIdFor(otherKey),
    });
    const record = vault.seal(plaintext, context);
    const binary = vault.seal(Uint8Array.from([0xff]), context);
    const altered = Buffer.from(record);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    const badLength = randomBytes(31);
    const nearKey = `${key.toString('base64').slice(0, 43)}!`;

    const errors: VaultError[] = [
      errorOf(vault.open(altered, context)),
      errorOf(vault.openText(record, { ...context, purpose: 'other' })),
      errorOf(vault.open(record, { ...context, workspaceId: '' })),
      errorOf(stranger.open(record, context)),
      errorOf(vault.open(record.subarray(0, 5), context)),
      errorOf(vault.openText(binary, context)),
      errorOf(parseMasterKey(badLength.toString('base64'))),
      errorOf(parseMasterKey(nearKey)),
      errorOf(loadVaultFromEnv({ QUARRY_MASTER_KEY: nearKey })),
      errorOf(
        loadVaultFromEnv({
          QUARRY_MASTER_KEY: otherKey.toString('base64'),
          QUARRY_PREVIOUS_MASTER_KEYS: `${key.toString('base64')},${badLength.toString('base64')}`,
        }),
      ),
    ];

    const codes = new Set<VaultErrorCode>(errors.map((error) => error.code));
    expect([...codes].sort()).toEqual([
      'vault.bad_format',
      'vault.bad_master_key',
      'vault.context_mismatch',
      'vault.tampered',
      'vault.unknown_key',
    ]);
    const secrets = [
      key.toString('base64'),
      key.toString('base64').slice(0, 16),
      key.toString('hex').slice(0, 16),
      otherKey.toString('base64').slice(0, 16),
      badLength.toString('base64').slice(0, 16),
      nearKey.slice(0, 16),
      plaintext,
      'correct-horse',
    ];
    for (const error of errors) {
      const text = `${error.message} ${error.hint ?? ''}`;
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });

  it('say the same thing for an altered record and for a record opened in the wrong context', () => {
    const key = randomBytes(32);
    const vault = createVault({ keys: [{ id: 'k1', key }], activeKeyId: 'k1' });
    const record = vault.seal('x', context);
    const altered = Buffer.from(record);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    const tampered = errorOf(vault.open(altered, context));
    expect(tampered).toEqual(errorOf(vault.open(record, { ...context, recordId: 'con_2' })));
    expect(tampered.message).toBe(
      'The encrypted record failed its integrity check: it was altered, or belongs to another record, workspace or purpose',
    );
  });
});
