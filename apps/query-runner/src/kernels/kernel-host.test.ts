import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelHostProblems } from './kernel-host-checks';

const HOST = new URL('./kernel-host.ts', import.meta.url).pathname;
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Starts a real kernel host the way someone might get it wrong; resolves with its exit and stderr. */
function startHost(opts: {
  execArgv: string[];
  env?: Record<string, string>;
}): Promise<{ code: number | null; stderr: string; ready: boolean }> {
  return new Promise((resolve) => {
    const child = fork(HOST, [], {
      execPath: process.execPath,
      execArgv: [...opts.execArgv, '--import', TSX],
      env: { TZ: 'UTC', ...opts.env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    let ready = false;
    child.stderr?.on('data', (d) => (stderr += String(d)));
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') {
        ready = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code) => resolve({ code, stderr, ready }));
  });
}

describe('the kernel host at start (KRN-1, KRN-2)', () => {
  it('refuses to start without --no-node-snapshot', async () => {
    const r = await startHost({ execArgv: [] });
    expect(r).toMatchObject({ code: 78, ready: false });
    expect(r.stderr).toContain('--no-node-snapshot');
  });

  it('refuses to start with secrets in its environment', async () => {
    const r = await startHost({
      execArgv: ['--no-node-snapshot'],
      env: { QUARRY_MASTER_KEY: 'not-a-real-key', DATABASE_URL: 'postgres://x@127.0.0.1/quarry' },
    });
    expect(r).toMatchObject({ code: 78, ready: false });
    expect(r.stderr).toContain('QUARRY_MASTER_KEY, DATABASE_URL');
    expect(r.stderr).not.toContain('not-a-real-key');
  });

  it('starts with the flag and a clean environment, and says which versions it runs', async () => {
    const r = await startHost({ execArgv: ['--no-node-snapshot'] });
    expect(r.ready).toBe(true);
  });
});

describe('kernelHostProblems', () => {
  const good = {
    nodeVersion: 'v24.21.0',
    execArgv: ['--no-node-snapshot'],
    isolatedVmVersion: '7.0.1',
    envNames: ['TZ'],
    hasIpc: true,
  };

  it('accepts the Node and isolated-vm majors it was built for', () => {
    expect(kernelHostProblems(good)).toEqual([]);
  });

  it.each([
    ['Node 25', { nodeVersion: 'v25.0.0' }, 'built for Node 24'],
    ['Node 22', { nodeVersion: 'v22.12.0' }, 'too old'],
    ['isolated-vm 6', { isolatedVmVersion: '6.0.2' }, 'built for isolated-vm 7'],
    ['isolated-vm 8', { isolatedVmVersion: '8.0.0' }, 'built for isolated-vm 7'],
    ['a missing --no-node-snapshot', { execArgv: ['--import', 'tsx'] }, '--no-node-snapshot'],
    ['a token in the environment', { envNames: ['TZ', 'GITHUB_TOKEN'] }, 'GITHUB_TOKEN'],
    ['no IPC channel', { hasIpc: false }, 'child of the kernel pool'],
  ])('refuses %s', (_name, change, says) => {
    const problems = kernelHostProblems({ ...good, ...change });
    expect(problems.join('\n')).toContain(says);
  });
});
