import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_ALLOW_LIST, LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTunnel } from '../ssh/open-tunnel';
import { generateKey, type TestKey } from '../ssh/testing/sshd';

// CONN-2 for the SSH host itself: whoever may test a connection picks the SSH host, and the runner
// opens TCP to it before any sign-in. Every internal spelling is refused before a byte is sent.
let dir: string;
let key: TestKey;
let listener: Server;
let port: number;
let accepted = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'attacks5-ssh-'));
  key = generateKey(dir);
  listener = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('an SSH host at an internal address', () => {
  it.each([
    'localhost',
    'localhost.',
    'LOCALHOST',
    '127.0.0.1',
    '127.1',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '[::ffff:7f00:1]',
    '0.0.0.0',
    '169.254.169.254',
    '0xa9fea9fe',
    'metadata.google.internal',
    'metadata.google.internal.',
    '[fd00:ec2::254]',
    '10.0.0.1',
    '192.168.1.1',
  ])('refuses %s without connecting', async (host) => {
    const before = accepted;
    const opened = await openTunnel(
      { host, port, username: 'quarry', privateKey: key.privateKey },
      { allow: EMPTY_ALLOW_LIST, timeoutMs: 3_000 },
    );
    expect(opened.ok).toBe(false);
    if (opened.ok) await opened.value.close();
    else {
      expect(['ssh.address_refused', 'ssh.host_unresolvable']).toContain(opened.error.code);
      expect(opened.error.message).not.toContain(key.privateKey.split('\n')[1] ?? 'unreachable');
    }
    expect(accepted).toBe(before);
  });

  it('does connect to loopback once the operator allowed it (so the refusals above are the policy)', async () => {
    const before = accepted;
    const opened = await openTunnel(
      { host: '127.0.0.1', port, username: 'quarry', privateKey: key.privateKey },
      { allow: LOOPBACK_ALLOW_LIST, timeoutMs: 3_000 },
    );
    expect(opened.ok).toBe(false);
    expect(accepted).toBe(before + 1);
  });
});
