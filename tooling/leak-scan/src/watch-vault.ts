import { leakScan, type Opener } from './leak-scan';

/**
 * Vault purposes whose plaintext is a credential or secret value. Result chunks ('run.chunk') and
 * sign-in flow cookies ('sso.flow') are sealed too, but they hold rows and nonces, not secrets.
 */
export const SECRET_PURPOSES: ReadonlySet<string> = new Set([
  'connection.credentials',
  'connection.probe',
  'secret.value',
  'sso.client_secret',
]);

type VaultContext = { workspaceId: string; recordId: string; purpose: string };
type Sealer = Partial<Opener> & { seal(plaintext: Uint8Array | string, context: VaultContext): Buffer };

const utf8 = new TextDecoder('utf-8', { fatal: false });
/** Each vault's watched twin, and the twins themselves, so watching twice wraps once. */
const twins = new WeakMap<object, object>();

/** Registers a sealed plaintext and, when it is a JSON object, each of its string fields. */
export function registerSealed(plaintext: Uint8Array | string, purpose: string): void {
  const text = typeof plaintext === 'string' ? plaintext : utf8.decode(plaintext);
  const scan = leakScan();
  scan.registerSecret(text, purpose);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return;
  }
  const walk = (value: unknown) => {
    if (typeof value === 'string') scan.registerSecret(value, purpose);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(parsed);
}

/**
 * The same vault, except that sealing with a secret purpose registers the plaintext with the leak
 * scan first. The vault is also remembered, so the sweep of a test database can open what the
 * product sealed under the same master key in its own vault.
 */
export function watchVault<V extends Sealer>(vault: V): V {
  // Remembered by this file's scan even when the twin already exists (a module kept across files).
  if (vault.openText) leakScan().rememberVault({ openText: vault.openText });
  const twin = twins.get(vault);
  if (twin) return twin as V;
  const wrapped: V = Object.freeze({
    ...vault,
    seal(plaintext: Uint8Array | string, context: VaultContext): Buffer {
      if (SECRET_PURPOSES.has(context.purpose)) registerSealed(plaintext, context.purpose);
      return vault.seal(plaintext, context);
    },
  });
  twins.set(vault, wrapped);
  twins.set(wrapped, wrapped);
  return wrapped;
}

/**
 * A record read back from a test database: opened with any vault the tests made, and its plaintext
 * registered when the purpose is a secret one. Returns whether a vault opened it.
 */
export function registerSealedRecord(record: Uint8Array, context: VaultContext): boolean {
  if (!SECRET_PURPOSES.has(context.purpose)) return false;
  for (const vault of leakScan().vaults()) {
    const opened = vault.openText(record, context);
    if (opened.ok) {
      registerSealed(opened.value, context.purpose);
      return true;
    }
  }
  return false;
}
