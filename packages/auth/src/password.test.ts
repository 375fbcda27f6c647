import { describe, expect, it } from 'vitest';
import { hashPassword, verifyDecoyPassword, verifyPassword } from './password';

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

describe('hashPassword', () => {
  it('produces an argon2id PHC string with m=19456, t=2, p=1 (AUTH-6)', async () => {
    const hash = await hashPassword('correct horse battery staple');

    const match = PHC.exec(hash);
    expect(match?.slice(1)).toEqual(['19456', '2', '1']);
  });

  it('salts every hash, so one password hashes differently twice', async () => {
    const [first, second] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);

    expect(first).not.toBe(second);
    expect(await verifyPassword(first, 'same password')).toBe(true);
    expect(await verifyPassword(second, 'same password')).toBe(true);
  });
});

describe('verifyPassword', () => {
  it('accepts the password the hash was made from', async () => {
    const hash = await hashPassword('s3cr3t-pässwörd 🔑');

    expect(await verifyPassword(hash, 's3cr3t-pässwörd 🔑')).toBe(true);
  });

  it.each([
    ['another password', 'wrong password'],
    ['a different case', 'S3CR3T-PÄSSWÖRD 🔑'],
    ['a prefix', 's3cr3t'],
    ['a trailing space', 's3cr3t-pässwörd 🔑 '],
    ['an empty string', ''],
  ])('refuses %s', async (_label, attempt) => {
    const hash = await hashPassword('s3cr3t-pässwörd 🔑');

    expect(await verifyPassword(hash, attempt)).toBe(false);
  });

  it.each([
    ['an empty hash', ''],
    ['garbage', 'not-a-hash'],
    ['a truncated PHC string', '$argon2id$v=19$m=19456,t=2,p=1$'],
    ['a bcrypt hash', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
  ])('returns false for %s instead of throwing', async (_label, hash) => {
    expect(await verifyPassword(hash, 'whatever')).toBe(false);
  });
});

describe('verifyDecoyPassword', () => {
  it('returns false for any password', async () => {
    expect(await verifyDecoyPassword('correct horse battery staple')).toBe(false);
    expect(await verifyDecoyPassword('')).toBe(false);
  });

  it('costs about what a real verification costs, so an unknown email is not told apart by timing', async () => {
    const hash = await hashPassword('a real password');
    await verifyDecoyPassword('warm up');
    const timed = async (check: () => Promise<boolean>) => {
      const start = performance.now();
      await check();
      return performance.now() - start;
    };
    // Real and decoy take turns and their medians are compared, so a load spike on a busy machine
    // lands on one or two samples of either side, not on one side's whole window.
    const real: number[] = [];
    const decoy: number[] = [];
    for (let i = 0; i < 7; i++) {
      real.push(await timed(() => verifyPassword(hash, 'a wrong password')));
      decoy.push(await timed(() => verifyDecoyPassword('a wrong password')));
    }
    const median = (times: number[]) => times.toSorted((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;

    expect(median(decoy)).toBeGreaterThan(median(real) * 0.3);
  });
});
