import { randomBytes } from 'node:crypto';

const PREFIXES = {
  workspace: 'wsp',
  user: 'usr',
  project: 'prj',
  cell: 'cel',
  connection: 'con',
  run: 'run',
  token: 'tok',
  group: 'grp',
  grant: 'gnt',
  invite: 'inv',
  sso: 'sso',
  secret: 'sec',
  probe: 'prb',
  schema_refresh: 'srf',
  schema_table: 'stb',
} as const;
export type IdKind = keyof typeof PREFIXES;

// 32 symbols divide 256 evenly, so `byte % 32` is unbiased.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A prefixed random id (`prj_…`, 80 bits), so a stray id says what it is. */
export function newId(kind: IdKind): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % 32];
  return `${PREFIXES[kind]}_${out}`;
}
