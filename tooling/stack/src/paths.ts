import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { env } from './env';

export const root = env.QUARRY_ROOT ?? join(import.meta.dirname, '..', '..', '..');
export const dataDir = join(root, '.data');

/** A value generated once and kept under .data/ (mode 600), such as the demo master key. */
export function persistedSecret(name: string, generate: () => string): string {
  // The folder stays traversable: as root, the embedded server runs as a `postgres` system user
  // that must reach its data directory inside it. The secrets themselves are 0600.
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
