import { randomUUID } from 'node:crypto';
import { err, ok, type ProjectPermission, type Result } from '@quarry/contracts';
import type { Logger } from 'pino';
import { type CellOutput, readCellAnswer } from './cell-result';
import { bodyLineCount } from './cell-source';
import { type KernelError, kernelError } from './kernel-errors';
import { type KernelProcess, spawnKernelProcess } from './kernel-process';
import type { FromKernel, KernelLimits } from './kernel-protocol';

export const DEFAULT_KERNEL_LIMITS: KernelLimits = {
  memoryMb: 128,
  cpuMs: 10_000,
  wallMs: 30_000,
  maxResultBytes: 64 * 1024 * 1024,
  idleMs: 5 * 60_000,
};

export type KernelPoolOptions = {
  log: Logger;
  /** Kernel processes, each running one run at a time. */
  size?: number;
  /** Per-run defaults; a run may lower (never raise) them at `acquire`. */
  limits?: Partial<KernelLimits>;
  /** Each kernel process's V8 heap cap and RSS cap, in MB (KRN-1). */
  hostHeapMb?: number;
  hostRssMb?: number;
  /** The largest inputs of one cell, as JSON, in bytes. */
  maxInputBytes?: number;
  /** How long past a cell's wall deadline the pool waits before it kills the process (KRN-4). */
  killGraceMs?: number;
  /** How long a kernel process may take to start. */
  startTimeoutMs?: number;
  /** Tests only: another host entry, or extra environment for the host. */
  hostEntry?: string;
  hostEnv?: Record<string, string>;
};

export type AcquireInput = {
  runId: string;
  /** The run owner's permission on the project: secrets reach only Can edit and Full access. */
  permission: ProjectPermission;
  /** The project's secrets by name; dropped for any other permission. */
  secrets?: Readonly<Record<string, string>>;
  limits?: Partial<KernelLimits>;
  /** Aborting gives up the wait for a kernel (a cancelled run); a held session is ended by `release`. */
  signal?: AbortSignal;
};

export type CellRunInput = {
  cellId: string;
  /** The body of an async function of `(inputs, secrets)`; inputs named as identifiers are bound too. */
  code: string;
  /** Earlier cells' results (`{ columns, rows }` or values) and input parameters, by name. */
  inputs: Readonly<Record<string, unknown>>;
};

export type CellRunOutput = CellOutput & { cpuMs: number; wallMs: number };

/** One run's hold on one kernel: a fresh isolate for this run only (KRN-5). */
export type KernelSession = {
  readonly runId: string;
  /** How long the isolate took to start, in ms. */
  readonly startMs: number;
  /** The kernel process holding the run, for logs. */
  readonly kernelPid: number | undefined;
  runCell: (input: CellRunInput) => Promise<Result<CellRunOutput, KernelError>>;
  /** Ends the run's isolate and frees the kernel. Safe to call twice or while a cell runs. */
  release: () => void;
};

export type KernelPoolStats = { size: number; idle: number; busy: number; starting: number; queued: number };

export type KernelPool = {
  /** Waits for a free kernel (in order), opens a fresh isolate on it, and hands the run its session. */
  acquire: (input: AcquireInput) => Promise<Result<KernelSession, KernelError>>;
  stats: () => KernelPoolStats;
  /** RSS of every kernel process (Linux: read from /proc). */
  memory: () => Promise<{
    totalBytes: number;
    kernels: { pid: number | undefined; rssBytes: number | null }[];
  }>;
  /** Fails waiting runs with `kernel.closed`, stops every kernel (killing any that lingers). */
  close: () => Promise<void>;
};

type Kernel = {
  proc: KernelProcess;
  /** `dying`: the host said it is exiting (`fatal`); no run may be handed to it any more. */
  state: 'starting' | 'idle' | 'busy' | 'dying' | 'dead';
  /** What the kernel is waiting to hear about, if anything. */
  waiting: Waiting | undefined;
  sessionId: string | undefined;
  /** The run holding the kernel, for the log line when the kernel dies under it. */
  runId: string | undefined;
};

type Waiting =
  | { kind: 'open'; sessionId: string; resolve: (r: Result<number, KernelError>) => void }
  | {
      kind: 'cell';
      sessionId: string;
      cellId: string;
      resolve: (r: Result<{ answer: string; cpuMs: number; wallMs: number }, KernelError>) => void;
      killTimer: NodeJS.Timeout;
    };

type Waiter = {
  input: AcquireInput;
  resolve: (r: Result<KernelSession, KernelError>) => void;
  attempts: number;
};

const SECRETS_PERMISSIONS: ReadonlySet<ProjectPermission> = new Set(['can_edit', 'full_access']);
const MAX_OPEN_ATTEMPTS = 3;
const MIN_HOST_RSS_MB = 200;

export function createKernelPool(options: KernelPoolOptions): KernelPool {
  const log = options.log.child({ component: 'kernel-pool' });
  const size = options.size ?? 2;
  const limits: KernelLimits = { ...DEFAULT_KERNEL_LIMITS, ...options.limits };
  const maxInputBytes = options.maxInputBytes ?? 256 * 1024 * 1024;
  const killGraceMs = options.killGraceMs ?? 2_000;
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const rssCapMb = options.hostRssMb ?? 1024;
  // An idle kernel holds ~100 MB; a cap near that would replace kernels forever.
  if (rssCapMb < MIN_HOST_RSS_MB) throw new Error(`hostRssMb must be at least ${MIN_HOST_RSS_MB}`);
  const kernels = new Set<Kernel>();
  const queue: Waiter[] = [];
  let closing = false;
  let startFailures = 0;

  const spawn = () => {
    if (closing) return;
    const proc = spawnKernelProcess({
      heapMb: options.hostHeapMb ?? 256,
      rssCapMb: rssCapMb,
      ...(options.hostEntry ? { hostEntry: options.hostEntry } : {}),
      ...(options.hostEnv ? { env: options.hostEnv } : {}),
    });
    const k: Kernel = { proc, state: 'starting', waiting: undefined, sessionId: undefined, runId: undefined };
    kernels.add(k);
    const startTimer = setTimeout(
      () => proc.kill(kernelError('kernel.crashed', 'The kernel process did not start in time')),
      startTimeoutMs,
    );
    proc.onMessage((m) => onMessage(k, m, startTimer));
    proc.onExit((why, info) => {
      clearTimeout(startTimer);
      onExit(k, why, info);
    });
  };

  const onMessage = (k: Kernel, m: FromKernel, startTimer: NodeJS.Timeout) => {
    switch (m.type) {
      case 'ready':
        clearTimeout(startTimer);
        startFailures = 0;
        k.state = 'idle';
        dispatch();
        return;
      case 'opened':
        if (k.waiting?.kind === 'open' && k.waiting.sessionId === m.sessionId) {
          const w = k.waiting;
          k.waiting = undefined;
          w.resolve(ok(m.startMs));
        }
        return;
      case 'cell_done':
        if (
          k.waiting?.kind === 'cell' &&
          k.waiting.sessionId === m.sessionId &&
          k.waiting.cellId === m.cellId
        ) {
          const w = k.waiting;
          k.waiting = undefined;
          clearTimeout(w.killTimer);
          w.resolve(m.outcome);
        }
        return;
      case 'closed':
        // The host disposed the run's isolate on its own (a limit hit, or idle): the kernel is free.
        if (k.sessionId === m.sessionId) free(k);
        return;
      case 'fatal':
        // The host exits on its own soon (over its cap after a run, an isolate beyond recovery), but
        // on a loaded machine "soon" is long enough for `free`/`dispatch` to hand it the next run,
        // which it would then fail. Nothing more is given to it, and it is ended now.
        if (k.state === 'idle' || k.state === 'busy') k.state = 'dying';
        k.proc.kill(m.error);
        return;
    }
  };

  const onExit = (k: Kernel, why: KernelError, info: { code: number | null; signal: string | null }) => {
    const wasStarting = k.state === 'starting';
    k.state = 'dead';
    kernels.delete(k);
    const w = k.waiting;
    k.waiting = undefined;
    if (w?.kind === 'cell') {
      clearTimeout(w.killTimer);
      w.resolve(err(why));
    } else if (w?.kind === 'open') {
      w.resolve(err(why));
    }
    if (closing) return;
    log.warn(
      {
        pid: k.proc.pid,
        runId: k.runId,
        exitCode: info.code,
        signal: info.signal,
        reason: why.code,
        during: wasStarting ? 'start' : 'run',
      },
      'kernel process exited; starting a replacement',
    );
    if (wasStarting) {
      startFailures++;
      log.error(
        { pid: k.proc.pid, stderr: k.proc.stderrTail().slice(-2000) },
        'kernel process failed to start',
      );
      if (startFailures >= MAX_OPEN_ATTEMPTS) {
        // Kernels that cannot start would keep runs waiting forever: fail them now, keep trying.
        for (const waiter of queue.splice(0)) {
          waiter.resolve(
            err(kernelError('kernel.crashed', 'Kernel processes fail to start; see the runner’s log')),
          );
        }
      }
      const delay = Math.min(10_000, 100 * 2 ** Math.min(startFailures, 7));
      setTimeout(spawn, startFailures > 1 ? delay : 0).unref();
      return;
    }
    spawn();
  };

  const free = (k: Kernel) => {
    if (k.state === 'dead' || k.state === 'dying') return;
    k.sessionId = undefined;
    k.runId = undefined;
    k.state = 'idle';
    dispatch();
  };

  const dispatch = () => {
    for (const k of kernels) {
      if (!queue.length) return;
      if (k.state !== 'idle') continue;
      const waiter = queue.shift();
      if (waiter) void open(k, waiter);
    }
  };

  const open = async (k: Kernel, waiter: Waiter) => {
    const sessionId = `${waiter.input.runId}:${randomUUID()}`;
    k.state = 'busy';
    k.sessionId = sessionId;
    k.runId = waiter.input.runId;
    // A kernel a bomb left above its cap would fail the next run for the last one's doing: it is
    // replaced instead (its own watchdog would end it soon anyway).
    const rss = await k.proc.rssBytes();
    // The kernel may have exited (or said it will) while its RSS was read. Its exit has then already
    // settled everything it waited on, so waiting for its `opened` would hang this run for good: the
    // run goes back to the front of the queue (no code of it ran, so this is no attempt).
    if (k.state !== 'busy' || k.sessionId !== sessionId) {
      queue.unshift(waiter);
      dispatch();
      return;
    }
    if (rss !== null && rss > rssCapMb * 1024 * 1024) {
      log.warn(
        { pid: k.proc.pid, rssMb: Math.round(rss / 1024 / 1024) },
        'kernel above its memory cap between runs',
      );
      k.proc.kill(
        kernelError('kernel.out_of_memory', 'The kernel process stayed above its memory cap', {
          limit: 'process',
        }),
      );
      queue.unshift(waiter);
      dispatch();
      return;
    }
    const runLimits = lower(limits, waiter.input.limits);
    const secrets =
      waiter.input.secrets && SECRETS_PERMISSIONS.has(waiter.input.permission)
        ? { ...waiter.input.secrets }
        : null;
    const opened = await new Promise<Result<number, KernelError>>((resolve) => {
      k.waiting = { kind: 'open', sessionId, resolve };
      if (!k.proc.send({ type: 'open', sessionId, limits: runLimits, secrets })) {
        k.proc.kill(kernelError('kernel.crashed', 'The kernel process could not be reached'));
      }
    });
    if (!opened.ok) {
      // No user code ran yet: the kernel's death is not this run's doing, so try another.
      waiter.attempts++;
      if (waiter.attempts < MAX_OPEN_ATTEMPTS && !closing) {
        queue.unshift(waiter);
        dispatch();
      } else waiter.resolve(err(opened.error));
      return;
    }
    const held = session(k, sessionId, waiter.input.runId, opened.value, runLimits);
    if (waiter.input.signal?.aborted) {
      held.release();
      waiter.resolve(err(cancelled()));
      return;
    }
    waiter.resolve(ok(held));
  };

  const session = (
    k: Kernel,
    sessionId: string,
    runId: string,
    startMs: number,
    runLimits: KernelLimits,
  ): KernelSession => {
    let ended: KernelError | undefined;
    const alive = () => !ended && k.sessionId === sessionId && k.state === 'busy';
    return {
      runId,
      startMs,
      kernelPid: k.proc.pid,
      runCell: async (input) => {
        if (!alive()) {
          return err(
            ended ??
              kernelError(
                'kernel.closed',
                'The run’s kernel is no longer open (it idled out or was released)',
              ),
          );
        }
        if (k.waiting) return err(kernelError('kernel.invalid_input', 'A cell of this run is still running'));
        let inputsJson: string;
        try {
          inputsJson = JSON.stringify(input.inputs);
        } catch {
          return err(kernelError('kernel.invalid_input', 'The cell’s inputs cannot be turned into JSON'));
        }
        if (Buffer.byteLength(inputsJson) > maxInputBytes) {
          return err(
            kernelError('kernel.invalid_input', `The cell’s inputs are larger than ${maxInputBytes} bytes`),
          );
        }
        const done = await new Promise<
          Result<{ answer: string; cpuMs: number; wallMs: number }, KernelError>
        >((resolve) => {
          // KRN-4: the host disposes the isolate at the deadline; if it cannot, the process goes.
          const killTimer = setTimeout(() => {
            log.warn(
              { pid: k.proc.pid, runId, cellId: input.cellId },
              'kernel missed its deadline; killing it',
            );
            k.proc.kill(
              kernelError('kernel.timeout', `The cell took longer than ${runLimits.wallMs} ms`, {
                limit: 'wall',
              }),
            );
          }, runLimits.wallMs + killGraceMs);
          k.waiting = { kind: 'cell', sessionId, cellId: input.cellId, resolve, killTimer };
          const sent = k.proc.send({
            type: 'cell',
            sessionId,
            cellId: input.cellId,
            code: input.code,
            inputNames: Object.keys(input.inputs),
            inputsJson,
          });
          if (!sent) k.proc.kill(kernelError('kernel.crashed', 'The kernel process could not be reached'));
        });
        if (!done.ok) {
          // Limits, crashes and closes end the run's isolate; the user's own exception does not.
          if (
            done.error.code !== 'kernel.error' &&
            done.error.code !== 'kernel.invalid_result' &&
            done.error.code !== 'kernel.result_too_large'
          ) {
            ended = done.error;
          }
          return done;
        }
        const read = readCellAnswer(done.value.answer, {
          maxResultBytes: runLimits.maxResultBytes,
          bodyLines: bodyLineCount(input.code),
        });
        if (!read.ok) return read;
        return ok({ ...read.value, cpuMs: done.value.cpuMs, wallMs: done.value.wallMs });
      },
      release: () => {
        if (k.sessionId !== sessionId) return;
        ended ??= kernelError('kernel.closed', 'The run released its kernel');
        const w = k.waiting;
        if (w?.kind === 'cell') {
          k.waiting = undefined;
          clearTimeout(w.killTimer);
          w.resolve(err(ended));
        }
        if (k.state === 'busy') {
          k.proc.send({ type: 'close', sessionId });
          free(k);
        }
      },
    };
  };

  for (let i = 0; i < size; i++) spawn();

  return {
    acquire: (input) =>
      new Promise((resolve) => {
        if (closing) return resolve(err(kernelError('kernel.closed', 'The kernel pool is closed')));
        if (input.signal?.aborted) return resolve(err(cancelled()));
        const serving = [...kernels].some((k) => k.state === 'idle' || k.state === 'busy');
        if (startFailures >= MAX_OPEN_ATTEMPTS && !serving) {
          return resolve(
            err(kernelError('kernel.crashed', 'Kernel processes fail to start; see the runner’s log')),
          );
        }
        const waiter: Waiter = { input, resolve, attempts: 0 };
        queue.push(waiter);
        input.signal?.addEventListener(
          'abort',
          () => {
            const at = queue.indexOf(waiter);
            if (at < 0) return;
            queue.splice(at, 1);
            resolve(err(cancelled()));
          },
          { once: true },
        );
        dispatch();
      }),
    stats: () => {
      const all = [...kernels];
      return {
        size: all.length,
        idle: all.filter((k) => k.state === 'idle').length,
        busy: all.filter((k) => k.state === 'busy').length,
        starting: all.filter((k) => k.state === 'starting').length,
        queued: queue.length,
      };
    },
    memory: async () => {
      const list = await Promise.all(
        [...kernels].map(async (k) => ({ pid: k.proc.pid, rssBytes: await k.proc.rssBytes() })),
      );
      return { totalBytes: list.reduce((sum, k) => sum + (k.rssBytes ?? 0), 0), kernels: list };
    },
    close: async () => {
      closing = true;
      for (const waiter of queue.splice(0))
        waiter.resolve(err(kernelError('kernel.closed', 'The kernel pool is closed')));
      await Promise.all([...kernels].map((k) => k.proc.shutdown(killGraceMs)));
    },
  };
}

const cancelled = () => kernelError('kernel.closed', 'The run was cancelled before it got a kernel');

/** A run may ask for tighter limits than the pool's, never looser ones. */
function lower(base: KernelLimits, asked: Partial<KernelLimits> | undefined): KernelLimits {
  if (!asked) return base;
  const pick = (key: keyof KernelLimits) => Math.min(base[key], asked[key] ?? base[key]);
  return {
    memoryMb: Math.max(8, pick('memoryMb')),
    cpuMs: pick('cpuMs'),
    wallMs: pick('wallMs'),
    maxResultBytes: pick('maxResultBytes'),
    idleMs: pick('idleMs'),
  };
}
