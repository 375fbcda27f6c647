import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshSecretsShape } from '../ssh/fields';
import { MAX_KDF_ROUNDS, opensshKdfRounds, parsePrivateKey } from '../ssh/private-key';
import { cpuMs } from '../testing/cpu-time';

// The SSH key is pasted by whoever manages a connection (an Editor, for a project connection), with
// its passphrase. ssh2 derives an encrypted OpenSSH key's cipher key synchronously, as many bcrypt
// rounds as the key file says (a 32-bit number), on the runner's event loop at every tunnel
// opening: a key written with 2^32 rounds would hold the runner for years.
let dir: string;
const keyWithRounds = (rounds: number) => {
  const file = join(mkdtempSync(join(dir, 'k-')), 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-a', String(rounds), '-N', 'pass phrase', '-f', file]);
  return readFileSync(file, 'utf8');
};

/** The same key text with its rounds field rewritten, as an attacker's editor would. */
function withRounds(text: string, rounds: number): string {
  const begin = '-----BEGIN OPENSSH PRIVATE KEY-----';
  const end = '-----END OPENSSH PRIVATE KEY-----';
  const body = Buffer.from(
    text.slice(text.indexOf(begin) + begin.length, text.indexOf(end)).replace(/\s+/g, ''),
    'base64',
  );
  let at = 'openssh-key-v1\0'.length;
  at += 4 + body.readUInt32BE(at); // cipher
  at += 4 + body.readUInt32BE(at); // kdf name
  const saltLength = body.readUInt32BE(at + 4);
  body.writeUInt32BE(rounds, at + 8 + saltLength);
  return `${begin}\n${body.toString('base64').replace(/.{70}/g, '$&\n')}\n${end}\n`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'attacks5-kdf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an encrypted SSH key written to stall the runner', () => {
  it('reads the rounds an OpenSSH key asks for', () => {
    expect(opensshKdfRounds(keyWithRounds(16))).toBe(16);
    expect(opensshKdfRounds(withRounds(keyWithRounds(16), 0xffffffff))).toBe(0xffffffff);
  });

  it('refuses 2^32 - 1 rounds at once, at save (the field) and at the tunnel (parsePrivateKey)', () => {
    const hostile = withRounds(keyWithRounds(16), 0xffffffff);
    const used = cpuMs(() => {
      const field = sshSecretsShape.sshPrivateKey.safeParse(hostile);
      expect(field.success).toBe(false);
      expect(JSON.stringify(field.error?.issues)).toContain(`more than ${MAX_KDF_ROUNDS} rounds`);
      const parsed = parsePrivateKey(hostile, 'pass phrase');
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error.code).toBe('ssh.key_invalid');
    });
    // ssh2's bcrypt runs synchronously on this thread: 2^32 rounds would take years.
    expect(used).toBeLessThan(1_000);
  });

  it("still opens a key of ssh-keygen's default rounds with its passphrase", () => {
    expect(parsePrivateKey(keyWithRounds(16), 'pass phrase').ok).toBe(true);
  });
});
