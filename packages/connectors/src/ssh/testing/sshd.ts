import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/**
 * Whether the tests can start Debian's OpenSSH server. Under CI (`required`) a missing sshd fails
 * loudly (`.ci/run` installs it); elsewhere the SSH tests are skipped.
 */
export function sshdAvailable(required: boolean, path = SSHD): boolean {
  const found = existsSync(path);
  if (!found && required) {
    throw new Error(`${path} is missing: install openssh-server (.ci/run does) to run the SSH tunnel tests`);
  }
  return found;
}

export type TestKey = { privateKey: string; publicKey: string; fingerprint: string };

/** A key pair made by ssh-keygen: Ed25519 in OpenSSH's format unless told otherwise. */
export function generateKey(
  dir: string,
  options: { type?: 'ed25519' | 'rsa' | 'ecdsa'; passphrase?: string; pem?: boolean } = {},
): TestKey {
  const file = join(mkdtempSync(join(dir, 'key-')), 'id');
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    options.type ?? 'ed25519',
    ...(options.type === 'rsa' ? ['-b', '2048'] : []),
    ...(options.pem ? ['-m', 'PEM'] : []),
    '-N',
    options.passphrase ?? '',
    '-C',
    'quarry-test',
    '-f',
    file,
  ]);
  return {
    privateKey: readFileSync(file, 'utf8'),
    publicKey: readFileSync(`${file}.pub`, 'utf8').trim(),
    fingerprint: fingerprintOfFile(`${file}.pub`),
  };
}

const fingerprintOfFile = (file: string): string =>
  execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(' ')[1] ?? '';

export type TestSshd = {
  host: '127.0.0.1';
  port: number;
  /** The login the authorized keys belong to: the user the tests run as. */
  username: string;
  /** An authorized key (Ed25519, unencrypted). */
  key: TestKey;
  /** The server's host key fingerprint, as `ssh-keygen -lf` prints it. */
  hostKey: string;
  /** A scratch folder for more keys, removed with the server. */
  dir: string;
  /** Adds a public key to the login's authorized keys (read at each sign-in). */
  authorize(publicKey: string): void;
  /** The sessions sshd is serving now: one child process per connection. */
  sessions(): number;
  /** What sshd logged (-e): sign-ins, forwarding refusals. */
  log(): string;
  stop(): Promise<void>;
};

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Starts `/usr/sbin/sshd -D -e` on a free loopback port with a fresh host key and a config of its
 * own (public keys only, TCP forwarding on, no PAM), for the user the tests run as. `config` adds
 * or overrides directives (`PermitOpen 127.0.0.1:5432`).
 */
export async function startSshd(options: { config?: string[] } = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-sshd-'));
  const hostKeyFile = join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile]);
  const key = generateKey(dir);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, `${key.publicKey}\n`, { mode: 0o600 });
  // Debian's sshd needs its privilege separation directory, which the service would create.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      ...(options.config ?? []),
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'AllowTcpForwarding yes',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PermitTTY no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${output}`)), 10_000);
    const check = () => {
      if (/Server listening on 127\.0\.0\.1 port/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${output}`));
    });
  });
  await listening;
  const pid = child.pid as number;
  return {
    host: '127.0.0.1',
    port,
    username: userInfo().username,
    key,
    hostKey: fingerprintOfFile(`${hostKeyFile}.pub`),
    dir,
    authorize: (publicKey) => appendFileSync(authorizedKeys, `${publicKey}\n`),
    sessions: () => childrenOf(pid).length,
    log: () => output,
    stop: async () => {
      // Sessions outlive the listener: end them too (they are this server's children).
      if (child.exitCode === null) for (const session of childrenOf(pid)) process.kill(session, 'SIGTERM');
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The direct children of a process, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) found.push(...text.split(/\s+/).map(Number));
  }
  return found;
}
