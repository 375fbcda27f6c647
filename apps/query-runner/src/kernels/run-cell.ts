import { err, ok, type Result } from '@quarry/contracts';
import type ivm from 'isolated-vm';
import { bodyLineCount, CELL_FILENAME, cellSource } from './cell-source';
import { type KernelError, kernelError } from './kernel-errors';
import type { KernelLimits } from './kernel-protocol';

/** Why the host itself ended a cell, before the isolate answered. */
export type AbortReason = 'cpu' | 'wall' | 'memory';

export type CellRun = {
  /** Settles with the isolate's answer text, or a typed error. */
  done: Promise<Result<{ answer: string; cpuMs: number; wallMs: number }, KernelError>>;
  /** Ends the cell now: the isolate is disposed and `done` settles with the reason's error. */
  abort: (reason: AbortReason) => void;
};

const CPU_POLL_MS = 10;

/**
 * Runs one cell in a fresh context of the run's isolate. The isolate's own `timeout` covers the
 * script and the microtasks it drains, but not promises in general (KRN-4), so the host also polls
 * the isolate's CPU time and keeps a wall-clock deadline; past either it disposes the isolate,
 * which ends the run (the pool then kills the process if it does not answer).
 */
export function runCell(input: {
  isolate: ivm.Isolate;
  code: string;
  inputNames: readonly string[];
  inputsJson: string;
  secretsJson: string | null;
  limits: KernelLimits;
}): CellRun {
  const { isolate, limits } = input;
  let aborted: AbortReason | null = null;
  const cpu0 = isolate.cpuTime;
  const t0 = performance.now();
  const abort = (reason: AbortReason) => {
    if (aborted) return;
    aborted = reason;
    if (!isolate.isDisposed) isolate.dispose();
  };
  const wall = setTimeout(() => abort('wall'), limits.wallMs);
  const poll = setInterval(() => {
    if (isolate.isDisposed) return;
    if (Number(isolate.cpuTime - cpu0) / 1e6 > limits.cpuMs) abort('cpu');
  }, CPU_POLL_MS);

  const done = (async (): Promise<Result<{ answer: string; cpuMs: number; wallMs: number }, KernelError>> => {
    let context: ivm.Context | undefined;
    try {
      context = await isolate.createContext();
      const answer: unknown = await context.evalClosure(
        cellSource(input.code, input.inputNames),
        [input.inputsJson, input.secretsJson, limits.maxResultBytes],
        { timeout: limits.cpuMs, filename: CELL_FILENAME, lineOffset: -1, result: { promise: true } },
      );
      if (aborted) return err(abortError(aborted, limits));
      if (typeof answer !== 'string')
        return err(kernelError('kernel.invalid_result', 'The cell returned no result'));
      // Checked here too, so an oversized answer never crosses the IPC channel.
      const bytes = Buffer.byteLength(answer);
      if (bytes > limits.maxResultBytes) {
        return err(
          kernelError(
            'kernel.result_too_large',
            `The cell's result is larger than ${limits.maxResultBytes} bytes`,
            {
              size: bytes,
              cap: limits.maxResultBytes,
            },
          ),
        );
      }
      return ok({
        answer,
        cpuMs: isolate.isDisposed ? 0 : Number(isolate.cpuTime - cpu0) / 1e6,
        wallMs: performance.now() - t0,
      });
    } catch (e) {
      if (aborted) return err(abortError(aborted, limits));
      const failure = isolateFailure(e, isolate, limits, bodyLineCount(input.code));
      // A cell that hit a limit may have left work queued in its isolate: none of it runs again.
      if (failure.code !== 'kernel.error' && !isolate.isDisposed) isolate.dispose();
      return err(failure);
    } finally {
      clearTimeout(wall);
      clearInterval(poll);
      if (context && !isolate.isDisposed) context.release();
    }
  })();
  return { done, abort };
}

function abortError(reason: AbortReason, limits: KernelLimits): KernelError {
  if (reason === 'memory') {
    return kernelError('kernel.out_of_memory', 'The cell used more memory than its kernel may hold', {
      limit: 'process',
    });
  }
  return reason === 'cpu'
    ? kernelError('kernel.timeout', `The cell used more than ${limits.cpuMs} ms of CPU time`, {
        limit: 'cpu',
      })
    : kernelError('kernel.timeout', `The cell took longer than ${limits.wallMs} ms`, { limit: 'wall' });
}

/**
 * Errors isolated-vm raises in the host: a limit hit, or a cell that did not compile. Only their
 * message is kept (the user's line and column from it), never the host's stack.
 */
function isolateFailure(
  e: unknown,
  isolate: ivm.Isolate,
  limits: KernelLimits,
  bodyLines: number,
): KernelError {
  const message = e instanceof Error ? e.message : String(e);
  if (/memory limit/i.test(message)) {
    return kernelError('kernel.out_of_memory', `The cell used more than ${limits.memoryMb} MB of memory`, {
      limit: 'isolate',
    });
  }
  if (/execution timed out/i.test(message)) {
    return kernelError('kernel.timeout', `The cell used more than ${limits.cpuMs} ms of CPU time`, {
      limit: 'cpu',
    });
  }
  if (e instanceof Error && e.name === 'SyntaxError') {
    const at = /\s*\[cell\.js:(\d+):(\d+)\]$/.exec(message);
    const text = at ? message.slice(0, at.index) : message;
    const line = Number(at?.[1]);
    const inBody = line >= 1 && line <= bodyLines;
    return kernelError(
      'kernel.error',
      `SyntaxError: ${text}`,
      inBody ? { line, column: Number(at?.[2]) } : undefined,
    );
  }
  if (isolate.isDisposed) return kernelError('kernel.crashed', 'The cell’s isolate ended unexpectedly');
  return kernelError('kernel.crashed', 'The kernel failed to run the cell');
}
