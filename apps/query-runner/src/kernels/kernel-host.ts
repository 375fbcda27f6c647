/**
 * A kernel process: runs JS cells in isolated-vm for one run at a time, for the pool that forked
 * it (KRN-1). Start: `node --no-node-snapshot --max-old-space-size=<mb> --import tsx kernel-host.ts
 * --rss-cap-mb=<mb>`, with an IPC channel and a minimal environment. It writes nothing to disk and
 * loads no cached data or snapshot (KRN-3).
 */
import { createRequire } from 'node:module';
import type ivm from 'isolated-vm';
import { loadKernelHostEnv } from './env';
import { kernelError } from './kernel-errors';
import { kernelHostProblems } from './kernel-host-checks';
import { type FromKernel, type KernelLimits, ToKernel } from './kernel-protocol';
import { type CellRun, runCell } from './run-cell';

function rssCapBytes(argv: readonly string[]): number {
  const arg = argv.find((a) => a.startsWith('--rss-cap-mb='));
  const mb = Number(arg?.slice('--rss-cap-mb='.length) ?? 1024);
  return (Number.isFinite(mb) && mb > 0 ? mb : 1024) * 1024 * 1024;
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const ivmVersion = String((require('isolated-vm/package.json') as { version: unknown }).version);
  const env = loadKernelHostEnv();
  const problems = kernelHostProblems({
    nodeVersion: process.version,
    execArgv: process.execArgv,
    nodeOptions: env.NODE_OPTIONS,
    isolatedVmVersion: ivmVersion,
    envNames: env.names,
    hasIpc: typeof process.send === 'function',
  });
  if (problems.length) {
    process.stderr.write(`kernel host refuses to start:\n- ${problems.join('\n- ')}\n`);
    process.exit(78);
  }
  // Loaded only once the flags are known to be right: an isolate without them crashes the process.
  const { Isolate } = require('isolated-vm') as typeof ivm;
  const send = (m: FromKernel) => {
    if (process.connected) process.send?.(m);
  };

  type Session = {
    id: string;
    isolate: ivm.Isolate;
    limits: KernelLimits;
    secretsJson: string | null;
    idle: NodeJS.Timeout | undefined;
    running: CellRun | undefined;
  };
  let session: Session | undefined;

  const die = (code: 'kernel.out_of_memory' | 'kernel.crashed', message: string, exitCode: number) => {
    send({ type: 'fatal', error: kernelError(code, message, { limit: 'process' }) });
    process.stderr.write(`kernel host: ${message}\n`);
    // Give the IPC message a moment to leave; the pool kills us anyway if we linger.
    setTimeout(() => process.exit(exitCode), 50).unref();
  };
  const rssCap = rssCapBytes(process.argv);
  const endSession = (reason: 'ended' | 'idle' | 'failed') => {
    if (!session) return;
    const s = session;
    session = undefined;
    clearTimeout(s.idle);
    s.running?.abort('wall');
    if (!s.isolate.isDisposed) s.isolate.dispose();
    // A process still above its cap with the run's isolate gone would hand the next run its debt:
    // it goes instead, before the pool can give it another run.
    if (process.memoryUsage.rss() > rssCap) {
      die('kernel.out_of_memory', 'The kernel process stayed above its memory cap after its run', 71);
      return;
    }
    send({ type: 'closed', sessionId: s.id, reason });
  };
  const armIdle = (s: Session) => {
    clearTimeout(s.idle);
    s.idle = setTimeout(() => {
      if (session === s && !s.running) endSession('idle');
    }, s.limits.idleMs);
  };

  // The isolate's memoryLimit is a guideline (KRN-1): past the RSS cap the running cell is ended,
  // and if the process stays above it, the process goes.
  let overCap = 0;
  setInterval(() => {
    if (process.memoryUsage.rss() <= rssCap) {
      overCap = 0;
      return;
    }
    overCap++;
    session?.running?.abort('memory');
    if (overCap >= 5) die('kernel.out_of_memory', 'The kernel process stayed above its memory cap', 71);
  }, 50).unref();

  process.on('message', async (raw) => {
    const parsed = ToKernel.safeParse(raw);
    if (!parsed.success) {
      die('kernel.crashed', 'The kernel host received a message it does not understand', 70);
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case 'open': {
        if (session) endSession('failed');
        const t0 = performance.now();
        // KRN-5: a fresh isolate for each run; no snapshot, no cached data.
        const isolate = new Isolate({
          memoryLimit: m.limits.memoryMb,
          // isolated-vm's advice: the process cannot be trusted after this, so it ends here.
          onCatastrophicError: (message: string) => {
            process.stderr.write(`kernel host: catastrophic isolate error: ${message}\n`);
            const error = /memory/i.test(message)
              ? kernelError(
                  'kernel.out_of_memory',
                  'The cell used more memory than its kernel could recover from',
                  {
                    limit: 'isolate',
                  },
                )
              : kernelError('kernel.crashed', 'The cell’s isolate failed beyond recovery');
            send({ type: 'fatal', error });
            process.abort();
          },
        });
        const s: Session = {
          id: m.sessionId,
          isolate,
          limits: m.limits,
          secretsJson: m.secrets ? JSON.stringify(m.secrets) : null,
          idle: undefined,
          running: undefined,
        };
        session = s;
        armIdle(s);
        send({ type: 'opened', sessionId: s.id, startMs: performance.now() - t0 });
        return;
      }
      case 'cell': {
        const s = session;
        if (!s || s.id !== m.sessionId || s.running || s.isolate.isDisposed) {
          send({
            type: 'cell_done',
            sessionId: m.sessionId,
            cellId: m.cellId,
            outcome: { ok: false, error: kernelError('kernel.closed', 'The run’s kernel is no longer open') },
            sessionEnded: true,
          });
          return;
        }
        clearTimeout(s.idle);
        const run = runCell({
          isolate: s.isolate,
          code: m.code,
          inputNames: m.inputNames,
          inputsJson: m.inputsJson,
          secretsJson: s.secretsJson,
          limits: s.limits,
        });
        s.running = run;
        const outcome = await run.done;
        s.running = undefined;
        const sessionEnded = s.isolate.isDisposed;
        send({ type: 'cell_done', sessionId: s.id, cellId: m.cellId, outcome, sessionEnded });
        // The pool may have closed this run (and opened the next) while the cell ran.
        if (session !== s) return;
        if (sessionEnded) endSession('failed');
        else armIdle(s);
        return;
      }
      case 'close':
        if (session?.id === m.sessionId) endSession('ended');
        return;
      case 'shutdown':
        endSession('ended');
        process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));

  send({ type: 'ready', pid: process.pid, node: process.version, isolatedVm: ivmVersion });
}

await main();
