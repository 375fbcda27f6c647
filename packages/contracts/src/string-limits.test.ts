import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as contracts from './index';

/**
 * Issue 7 item 16: an unbounded string input let a 3 kB email reach the sign-in attempts index and
 * fail with a 500. Every string a caller can send has a maximum length; this walks every input
 * schema so a new unbounded one fails here.
 */
const inputs = Object.entries(contracts).filter(
  ([name, value]) => (name.endsWith('Input') || name === 'RunExecuteJob') && value instanceof z.ZodType,
) as [string, z.ZodType][];

function unboundedStrings(schema: z.ZodType, path: string): string[] {
  if (schema instanceof z.ZodString) return schema.maxLength === null ? [path] : [];
  if (schema instanceof z.ZodObject)
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, field]) =>
      unboundedStrings(field, `${path}.${key}`),
    );
  if (schema instanceof z.ZodArray) return unboundedStrings(schema.element as z.ZodType, `${path}[]`);
  if (schema instanceof z.ZodUnion)
    return (schema.options as z.ZodType[]).flatMap((option, i) => unboundedStrings(option, `${path}|${i}`));
  if (schema instanceof z.ZodPipe) return unboundedStrings(schema.in as z.ZodType, path);
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault)
    return unboundedStrings(schema.unwrap() as z.ZodType, path);
  return [];
}

describe('string inputs', () => {
  it('finds the input schemas to check', () => {
    expect(inputs.map(([name]) => name)).toEqual(
      expect.arrayContaining(['SignInInput', 'AcceptInviteInput', 'StartRunInput', 'ShareProjectInput']),
    );
  });

  it('notices an unbounded string however deep it sits', () => {
    const nested = z.object({
      target: z.discriminatedUnion('kind', [z.object({ kind: z.literal('a'), id: z.string().optional() })]),
      list: z.array(z.string().trim().pipe(z.email())).nullable(),
    });
    expect(unboundedStrings(nested, 'x')).toEqual(['x.target|0.id', 'x.list[]']);
  });

  it.each(inputs)('%s holds every string to a maximum length', (name, schema) => {
    expect(unboundedStrings(schema, name)).toEqual([]);
  });

  it('refuses a 3 kB email at sign-in with a message, not a database error', () => {
    const parsed = contracts.SignInInput.safeParse({
      email: `${'a'.repeat(3000)}@example.com`,
      password: 'x',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('Email addresses have at most 254 characters');
  });

  it('accepts an email of exactly 254 characters', () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(177)}.example.com`;
    expect(email).toHaveLength(254);
    expect(contracts.Email.safeParse(email).success).toBe(true);
  });
});
