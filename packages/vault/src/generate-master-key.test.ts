import { describe, expect, it } from 'vitest';
import { generateMasterKey } from './generate-master-key';
import { parseMasterKey } from './parse-master-key';

describe('generateMasterKey', () => {
  it('generates base64 of 32 bytes that parseMasterKey accepts', () => {
    const key = generateMasterKey();
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const parsed = parseMasterKey(key);
    expect(parsed.ok && parsed.value.length).toBe(32);
  });

  it('generates a different key each time', () => {
    expect(new Set(Array.from({ length: 20 }, generateMasterKey)).size).toBe(20);
  });
});
