import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startProcess, stopAll, waitForHttp } from './processes';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/** A tiny stand-in for a runner: answers /healthz on its port until killed. */
const healthServer = (port: number) =>
  `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;

describe('supervised processes under npm start (item 11)', () => {
  it('restarts a runner killed by SIGKILL, with a log line, while the API next to it keeps serving', async () => {
    const [runnerPort, apiPort] = [await freePort(), await freePort()];
    const common = {
      color: 'magenta' as const,
      command: process.execPath,
      cwd: process.cwd(),
      env: {},
      quiet: true,
    };
    const runner = startProcess({
      ...common,
      name: 'runner',
      args: ['-e', healthServer(runnerPort)],
      restart: true,
    });
    const api = startProcess({ ...common, name: 'api', args: ['-e', healthServer(apiPort)] });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await waitForHttp(`http://127.0.0.1:${runnerPort}/healthz`, 10_000)).toBe(true);
      const first = runner.child.pid;
      runner.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));

      expect(await waitForHttp(`http://127.0.0.1:${runnerPort}/healthz`, 10_000)).toBe(true);
      expect(runner.child.pid).not.toBe(first);
      expect(runner.restarts).toBe(1);
      expect(lines.join('')).toMatch(/runner exited \(SIGKILL\); restarting it/);
      expect(await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 1000)).toBe(true);
    } finally {
      process.stdout.write = write;
      await stopAll([runner, api], 5000);
    }
    // Stopped on purpose: gone for good, not restarted.
    await runner.exited;
    expect(runner.child.exitCode !== null || runner.child.signalCode !== null).toBe(true);
    expect(runner.restarts).toBe(1);
  });

  it('leaves a crash-looping process down instead of restarting it forever', async () => {
    const looping = startProcess({
      name: 'runner',
      color: 'magenta',
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      cwd: process.cwd(),
      env: {},
      quiet: true,
      restart: true,
    });
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await looping.exited).toBe(3);
    } finally {
      process.stdout.write = write;
    }
    expect(looping.restarts).toBe(5);
  });
});
