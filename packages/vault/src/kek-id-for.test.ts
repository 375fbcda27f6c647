import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { kekIdFor } from './kek-id-for';

describe('kekIdFor', () => {
  it("derives kek_ and the first 16 hex characters of the key's SHA-256", () => {
    // SHA-256 of 32 zero bytes is 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925.
    expect(kekIdFor(Buffer.alloc(32))).toBe('kek_66687aadf862bd77');
  });

  it('gives the same key the same id and different keys different ids', () => {
    const key = randomBytes(32);
    expect(kekIdFor(Buffer.from(key))).toBe(kekIdFor(key));
    expect(kekIdFor(randomBytes(32))).not.toBe(kekIdFor(key));
  });

  it('does not contain the key in hex or base64', () => {
    const key = randomBytes(32);
    const id = kekIdFor(key);
    expect(key.toString('hex')).not.toContain(id.slice(4));
    expect(id).not.toContain(key.toString('base64').slice(0, 8));
  });
});
