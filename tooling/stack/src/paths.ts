import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = process.env.QUARRY_ROOT ?? join(import.meta.dirname, '..', '..', '..');
export const dataDir = join(root, '.data');

/** A value generated once and kept under .data/ (mode 600), such as the demo master key. */
export function persistedSecret(name: string, generate: () => string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
