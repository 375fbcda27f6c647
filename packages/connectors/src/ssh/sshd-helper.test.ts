import { describe, expect, it } from 'vitest';
import { SSHD, sshdAvailable } from './testing/sshd';

describe('the sshd the tunnel tests start', () => {
  it('is required under CI: a missing sshd fails the tests instead of skipping them', () => {
    expect(() => sshdAvailable(true, '/nonexistent/sshd')).toThrow(/missing: install openssh-server/);
    expect(sshdAvailable(false, '/nonexistent/sshd')).toBe(false);
    if (process.env.CI === 'true') expect(sshdAvailable(true)).toBe(true);
    expect(SSHD).toBe('/usr/sbin/sshd');
  });
});
