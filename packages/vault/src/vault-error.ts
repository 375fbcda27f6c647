/**
 * Every failure the vault reports. Messages and hints never carry key material or plaintext; the
 * only identifiers they may name are KEK ids, which are hash prefixes (see `kekIdFor`).
 */
export type VaultErrorCode =
  | 'vault.tampered'
  | 'vault.unknown_key'
  | 'vault.bad_format'
  | 'vault.context_mismatch'
  | 'vault.bad_master_key';

export type VaultError = { code: VaultErrorCode; message: string; hint?: string };

const GENERATE_HINT = 'Generate one with `openssl rand -base64 32` (or `generateMasterKey()`)';

/**
 * GCM cannot tell an altered record from one opened with the wrong context (both change what the
 * tag covers), so both surface as this one error.
 */
export const tamperedError = (): VaultError => ({
  code: 'vault.tampered',
  message:
    'The encrypted record failed its integrity check: it was altered, or belongs to another record, workspace or purpose',
  hint: 'Check that the record is read with the workspace, record and purpose it was sealed for; otherwise restore it from a backup',
});

export const unknownKeyError = (kekId: string): VaultError => ({
  code: 'vault.unknown_key',
  message: `The record is sealed with master key ${kekId}, which this server does not have`,
  hint: 'Add the master key it was sealed with to QUARRY_PREVIOUS_MASTER_KEYS until every record is re-wrapped',
});

export const badFormatError = (message: string): VaultError => ({ code: 'vault.bad_format', message });

export const contextMismatchError = (message: string): VaultError => ({
  code: 'vault.context_mismatch',
  message,
  hint: 'Pass the workspace id, record id and purpose the record was sealed with',
});

export const badMasterKeyError = (message: string): VaultError => ({
  code: 'vault.bad_master_key',
  message,
  hint: GENERATE_HINT,
});
