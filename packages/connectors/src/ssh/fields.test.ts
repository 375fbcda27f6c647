import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeKind } from '../registry/describe-kind';
import { sshSecretsShape, sshSettingsShape, sshTunnelFieldIssue, sshTunnelFrom } from './fields';
import { parsePrivateKey, privateKeyTextIssue } from './private-key';
import { generateKey } from './testing/sshd';
import { checkTunnelTarget } from './tunnel-target';

const dir = mkdtempSync(join(tmpdir(), 'quarry-ssh-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plain = generateKey(dir);
const encrypted = generateKey(dir, { passphrase: 'correct horse' });
const secrets = z.strictObject(sshSecretsShape);
const settings = z.strictObject(sshSettingsShape);

describe('the private key field (CONN-1: the key text, never a file)', () => {
  it('accepts OpenSSH and PEM private keys, encrypted ones before their passphrase is checked', () => {
    const pem = generateKey(dir, { type: 'ecdsa', pem: true });
    for (const key of [plain, encrypted, pem]) {
      expect(privateKeyTextIssue(key.privateKey)).toBeNull();
      expect(secrets.safeParse({ sshPrivateKey: key.privateKey }).success).toBe(true);
    }
  });

  it('says a path is not the key, a public key is not the private one, and what it cannot read', () => {
    const cases: Array<[string, RegExp]> = [
      ['/root/.ssh/id_ed25519', /not the path of its file/],
      ['~/.ssh/id_rsa', /not the path of its file/],
      ['C:\\Users\\me\\.ssh\\id_rsa', /not the path of its file/],
      [plain.publicKey, /This is a public key/],
      ['-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----', /This is a public key/],
      [
        '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----',
        /not a private key Quarry can read/,
      ],
      [plain.privateKey.slice(0, 200), /not a private key Quarry can read/],
    ];
    for (const [text, message] of cases) {
      const parsed = secrets.safeParse({ sshPrivateKey: text });
      expect(parsed.success, text.slice(0, 30)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(message);
      expect(parsed.error?.issues[0]?.path).toEqual(['sshPrivateKey']);
    }
  });

  it('checks the passphrase when the key is used, and never repeats the key or the passphrase', () => {
    expect(parsePrivateKey(encrypted.privateKey, 'correct horse').ok).toBe(true);
    const wrong = parsePrivateKey(encrypted.privateKey, 'battery staple');
    expect(wrong.ok || wrong.error.message).toBe('The passphrase does not decrypt this private key');
    const missing = parsePrivateKey(encrypted.privateKey, undefined);
    expect(missing.ok || missing.error.message).toBe(
      'This private key is encrypted and no passphrase was given',
    );
    const blank = parsePrivateKey(encrypted.privateKey, '');
    expect(blank.ok || blank.error.message).toBe('This private key is encrypted and no passphrase was given');
    // A passphrase given for a key that has none is ignored, as ssh does.
    expect(parsePrivateKey(plain.privateKey, 'unneeded').ok).toBe(true);
    const shown = JSON.stringify([wrong, missing]);
    expect(shown).not.toContain('battery');
    expect(shown).not.toContain(encrypted.privateKey.split('\n')[1]);
  });
});

describe('the tunnel settings', () => {
  it('leave the tunnel off without an SSH host, and take port 22 when none is given', () => {
    expect(settings.parse({})).toEqual({});
    expect(sshTunnelFrom({}, {})).toEqual({ ok: true, value: null });
    const noPort = sshTunnelFrom(
      { sshHost: 'bastion', sshUsername: 'quarry' },
      { sshPrivateKey: plain.privateKey },
    );
    expect(noPort.ok && noPort.value?.port).toBe(22);
  });

  it('take an SSH host as a name or address only (CONN-1)', () => {
    for (const host of ['bastion.example.com', '10.0.0.5', '2001:db8::1']) {
      expect(settings.safeParse({ sshHost: host }).success, host).toBe(true);
    }
    for (const host of ['ssh://bastion', 'bastion:22', 'user@bastion', '-oProxyCommand=sh', 'bastion /tmp']) {
      expect(settings.safeParse({ sshHost: host }).success, host).toBe(false);
    }
  });

  it('need a user name and a private key once an SSH host is set', () => {
    expect(sshTunnelFieldIssue({ sshHost: 'bastion' }, {})?.field).toBe('sshUsername');
    expect(sshTunnelFieldIssue({ sshHost: 'bastion', sshUsername: 'quarry' }, {})?.field).toBe(
      'sshPrivateKey',
    );
    const incomplete = sshTunnelFrom({ sshHost: 'bastion', sshUsername: 'quarry' }, {});
    expect(incomplete.ok || incomplete.error).toMatchObject({
      code: 'ssh.incomplete',
      details: { field: 'sshPrivateKey' },
    });
    const complete = sshTunnelFrom(
      { sshHost: 'bastion', sshPort: 2222, sshUsername: 'quarry' },
      { sshPrivateKey: plain.privateKey, sshPassphrase: 'p' },
    );
    expect(complete).toEqual({
      ok: true,
      value: {
        host: 'bastion',
        port: 2222,
        username: 'quarry',
        privateKey: plain.privateKey,
        passphrase: 'p',
      },
    });
  });

  it('render as the SSH section, the key as a write-only multi-line input', () => {
    const info = describeKind({
      kind: 'example',
      label: 'Example',
      tier: 1,
      dialect: 'postgresql',
      features: { schemaBrowsing: true, chartCells: true, ctePushDown: true, ssh: true, tls: true },
      defaultPort: 5432,
      tls: { requirement: 'required', modes: ['require'], default: 'require' },
      settings: z.strictObject({ ...sshSettingsShape }),
      secrets: z.strictObject({ ...sshSecretsShape }),
    });
    const byName = Object.fromEntries(info.fields.map((field) => [field.name, field]));
    expect(Object.values(byName).every((field) => field.section === 'ssh')).toBe(true);
    expect(byName.sshHost).toMatchObject({ input: 'text', required: false, label: 'SSH host' });
    expect(byName.sshPort).toMatchObject({
      input: 'integer',
      placeholder: '22',
      min: 1,
      max: 65535,
      required: false,
    });
    expect(byName.sshPrivateKey).toMatchObject({ input: 'secret_textarea', secret: true });
    expect(byName.sshPassphrase).toMatchObject({ input: 'secret', secret: true });
  });
});

describe('the target behind a tunnel', () => {
  it('goes to the bastion as entered: loopback and private addresses are what tunnels are for', () => {
    for (const host of ['127.0.0.1', 'localhost', '10.1.2.3', 'db.internal', '::1']) {
      expect(checkTunnelTarget(host), host).toMatchObject({ ok: true });
    }
    expect(checkTunnelTarget('DB.Internal.')).toEqual({ ok: true, value: 'db.internal' });
  });

  it('is refused at a metadata or link-local address in any spelling, and sent canonical otherwise', () => {
    for (const host of [
      '169.254.169.254',
      '2852039166',
      '0xA9FEA9FE',
      '0251.0376.0251.0376',
      '169.254.43518',
      'metadata',
      'metadata.google.internal',
      'instance-data.ec2.internal',
      'fe80::1%eth0',
      'FD00:EC2::254',
      '::ffff:169.254.169.254',
      '100.100.100.200',
    ]) {
      expect(checkTunnelTarget(host).ok, host).toBe(false);
    }
    // A numeric spelling of an allowed address reaches the bastion as the address it means.
    expect(checkTunnelTarget('2130706433')).toEqual({ ok: true, value: '127.0.0.1' });
    expect(checkTunnelTarget('0x0a000001')).toEqual({ ok: true, value: '10.0.0.1' });
  });
});
