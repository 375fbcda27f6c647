import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseMasterKey } from './parse-master-key';

const base64Of = (length: number) => randomBytes(length).toString('base64');

describe('parseMasterKey', () => {
  it('accepts base64 of exactly 32 bytes and returns those bytes', () => {
    const key = randomBytes(32);
    const result = parseMasterKey(key.toString('base64'));
    expect(result.ok && result.value.equals(key)).toBe(true);
  });

  it('ignores surrounding whitespace such as a trailing newline from openssl', () => {
    const key = randomBytes(32);
    const result = parseMasterKey(`  ${key.toString('base64')}\n`);
    expect(result.ok && result.value.equals(key)).toBe(true);
  });

  it.each([
    ['31 bytes', base64Of(31), 'decodes to 31 bytes'],
    ['33 bytes', base64Of(33), 'decodes to 33 bytes'],
    ['16 bytes', base64Of(16), 'decodes to 16 bytes'],
    ['64 bytes', base64Of(64), 'decodes to 64 bytes'],
    ['an empty string', '', 'is empty'],
    ['only whitespace', '  \n', 'is empty'],
    ['characters outside base64', `${base64Of(30)}!!`.padEnd(44, '='), 'not valid base64'],
    [
      'base64url characters',
      base64Of(32).replace(/.$/, '').replace(/^./, '-').concat('='),
      'not valid base64',
    ],
    ['base64 without its padding', base64Of(32).replace(/=+$/, ''), 'not valid base64'],
    ['hex instead of base64', randomBytes(32).toString('hex'), 'decodes to 48 bytes'],
    ['a space inside the key', `${base64Of(32).slice(0, 20)} ${base64Of(32).slice(20)}`, 'not valid base64'],
    ['a non-canonical last character', `${'A'.repeat(42)}B=`, 'not canonical base64'],
  ])('rejects %s with vault.bad_master_key and a hint to generate one', (_name, input, message) => {
    const result = parseMasterKey(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('vault.bad_master_key');
    expect(result.error.message).toContain(message);
    expect(result.error.hint).toContain('openssl rand -base64 32');
    if (input.trim() !== '')
      expect(`${result.error.message} ${result.error.hint}`).not.toContain(input.trim());
  });
});
