import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type KernelError, kernelError } from './kernel-errors';
import { FromKernel, type ToKernel } from './kernel-protocol';

export type KernelProcessOptions = {
  /** The host's own V8 heap cap, in MB (`--max-old-space-size`). */
  heapMb: number;
  /** Past this RSS, in MB, the host ends the running cell, then itself (KRN-1). */
  rssCapMb: number;
  /** The entry to fork; the pool's own `kernel-host.ts` unless a test points elsewhere. */
  hostEntry?: string;
  /** Extra environment for the host (tests only); the real pool passes none. */
  env?: Record<string, string>;
};

/** One forked kernel host, seen from the pool: messages in, one `exit` out. */
export type KernelProcess = {
  readonly pid: number | undefined;
  send: (m: ToKernel) => boolean;
  onMessage: (handler: (m: FromKernel) => void) => void;
  /** Called once, with why the process ended (the pool decides whether it mattered). */
  onExit: (handler: (why: KernelError, info: { code: number | null; signal: string | null }) => void) => void;
  /** Ends the process now; `why` is what its run is told. */
  kill: (why: KernelError) => void;
  /** Asks the host to stop, then kills it after `graceMs`. */
  shutdown: (graceMs: number) => Promise<void>;
  rssBytes: () => Promise<number | null>;
  /** The last of what the host wrote to stderr: its refusal to start, V8's fatal errors. */
  stderrTail: () => string;
};

/**
 * The kernel host beside this code: `kernel-host.ts` in the sources, or `kernel-host.mjs` beside the
 * runner's bundle (tooling/stack bundle.ts), where this code is part of `main.mjs`.
 */
const HOST_ENTRY = fileURLToPath(
  new URL(import.meta.url.endsWith('.mjs') ? './kernel-host.mjs' : './kernel-host.ts', import.meta.url),
);
const STDERR_TAIL = 8 * 1024;

export function spawnKernelProcess(options: KernelProcessOptions): KernelProcess {
  const entry = options.hostEntry ?? HOST_ENTRY;
  const execArgv = ['--no-node-snapshot', `--max-old-space-size=${options.heapMb}`];
  // The host is TypeScript when the runner runs from source; resolve tsx from here, not the cwd.
  if (entry.endsWith('.ts')) {
    execArgv.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
  }
  const child: ChildProcess = fork(entry, [`--rss-cap-mb=${options.rssCapMb}`], {
    execPath: process.execPath,
    execArgv,
    // KRN-1: nothing of the runner's environment (database URL, master key) reaches a kernel.
    env: { TZ: 'UTC', ...options.env },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });

  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL);
  });

  let fatal: KernelError | undefined;
  let killedFor: KernelError | undefined;
  const messageHandlers: ((m: FromKernel) => void)[] = [];
  const exitHandlers: ((why: KernelError, info: { code: number | null; signal: string | null }) => void)[] =
    [];

  child.on('message', (raw) => {
    const parsed = FromKernel.safeParse(raw);
    if (!parsed.success) {
      // A kernel that speaks out of protocol is not trusted with another message.
      killedFor = kernelError('kernel.crashed', 'The kernel process sent a message outside the protocol');
      child.kill('SIGKILL');
      return;
    }
    if (parsed.data.type === 'fatal') fatal = parsed.data.error;
    for (const h of messageHandlers) h(parsed.data);
  });
  // A failed send or spawn surfaces here; without a listener it would take the runner down.
  child.on('error', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      const why = killedFor ?? fatal ?? fromExit(code, signal, stderrTail);
      for (const h of exitHandlers) h(why, { code, signal });
      resolve();
    });
  });

  return {
    pid: child.pid,
    send: (m) => {
      if (!child.connected) return false;
      try {
        // `send` returning false only means a backlog (a large input); a real failure comes to the callback.
        child.send(m, (e) => {
          if (e) child.kill('SIGKILL');
        });
        return true;
      } catch {
        child.kill('SIGKILL');
        return false;
      }
    },
    onMessage: (h) => messageHandlers.push(h),
    onExit: (h) => exitHandlers.push(h),
    kill: (why) => {
      killedFor ??= why;
      if (!exited) child.kill('SIGKILL');
    },
    shutdown: async (graceMs) => {
      if (exited) return;
      killedFor ??= kernelError('kernel.closed', 'The kernel pool was closed');
      if (child.connected) {
        try {
          child.send({ type: 'shutdown' } satisfies ToKernel);
        } catch {
          // Already going; the kill below settles it.
        }
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
    stderrTail: () => stderrTail,
    rssBytes: async () => {
      if (exited || child.pid === undefined) return null;
      try {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
        return kb ? Number(kb) * 1024 : null;
      } catch {
        return null;
      }
    },
  };
}

/** Why a kernel ended on its own: V8's out-of-memory aborts say so on stderr. */
function fromExit(code: number | null, signal: string | null, stderrTail: string): KernelError {
  if (/out of memory|heap limit|allocation failed|Reached heap limit/i.test(stderrTail)) {
    return kernelError('kernel.out_of_memory', 'The kernel process ran out of memory', { limit: 'process' });
  }
  if (code === 78) {
    return kernelError('kernel.crashed', 'The kernel process refused to start (see the runner’s log)', {
      exitCode: code,
    });
  }
  return kernelError('kernel.crashed', 'The kernel process ended unexpectedly', {
    exitCode: code,
    signal,
  });
}
