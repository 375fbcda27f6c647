import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * A host as a name or an address, nothing else (CONN-1): no path (`/var/run/postgresql`), no
 * user-info, port, query or option syntax, no whitespace. Whether the address it resolves to may be
 * contacted is decided at connect time (CONN-2), never here.
 */
export const HostName = z
  .string()
  .trim()
  .min(1, 'Enter the host name or address of the database server')
  .max(253, 'A host name has at most 253 characters')
  .regex(
    /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)$/,
    'Enter a host name or an IP address only (no scheme, path, port or options)',
  )
  // A colon belongs to an IPv6 address only: `db.example.com:5432` carries a second port.
  .refine(
    (host) => !host.includes(':') || isIP(host.replace(/^\[|\]$/g, '')) === 6,
    'Enter the port in the Port field, not after the host',
  );

/** A database, schema or role name: printable, no NUL, within PostgreSQL's 63 bytes and MySQL's 64. */
export const ObjectName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what}`)
    .max(64, `The ${what} has at most 64 characters`)
    .refine((value) => !hasControlCharacter(value), `The ${what} may not contain control characters`);

export const Port = z
  .number({ error: 'Enter the port as a number' })
  .int('Enter the port as a whole number')
  .min(1, 'A port is between 1 and 65535')
  .max(65535, 'A port is between 1 and 65535');

function hasControlCharacter(value: string): boolean {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
