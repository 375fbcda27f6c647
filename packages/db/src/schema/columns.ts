import { customType, text, timestamp } from 'drizzle-orm/pg-core';

export const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** Every tenant row names its workspace; every tenant query filters by it. */
export const workspaceId = () => text('workspace_id').notNull();

/** Ciphertext from @quarry/vault; never plaintext. */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});

/**
 * A contracts zod enum's values as drizzle's text enum wants them: the column stays `text` (no
 * migration), and its rows type as the contract's union, so nothing casts them.
 */
export function enumValues<T extends string>(schema: { options: T[] }): [T, ...T[]] {
  const [first, ...rest] = schema.options;
  if (first === undefined) throw new Error('an enum column needs at least one value');
  return [first, ...rest];
}
