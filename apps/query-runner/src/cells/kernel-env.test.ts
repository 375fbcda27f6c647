import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createRunnerKernels, KernelEnv } from './kernel-env';

describe('the runner’s kernel settings', () => {
  it('takes every default when nothing is set', () => {
    expect(KernelEnv.parse({})).toEqual({
      QUARRY_KERNELS: 2,
      QUARRY_KERNEL_MEMORY_MB: 128,
      QUARRY_KERNEL_CPU_MS: 10_000,
      QUARRY_KERNEL_WALL_MS: 30_000,
      QUARRY_KERNEL_MAX_RESULT_BYTES: 64 * 1024 * 1024,
      QUARRY_KERNEL_IDLE_MS: 300_000,
      QUARRY_KERNEL_HOST_HEAP_MB: 256,
      QUARRY_KERNEL_HOST_RSS_MB: 1024,
      QUARRY_JS_INPUT_MAX_ROWS: 200_000,
      QUARRY_JS_INPUT_MAX_BYTES: 64 * 1024 * 1024,
    });
  });

  it('refuses a process memory cap a kernel could not live under, and a zero pool', () => {
    expect(KernelEnv.safeParse({ QUARRY_KERNEL_HOST_RSS_MB: '100' }).success).toBe(false);
    expect(KernelEnv.safeParse({ QUARRY_KERNELS: '0' }).success).toBe(false);
    expect(KernelEnv.safeParse({ QUARRY_KERNEL_CPU_MS: 'soon' }).success).toBe(false);
  });

  it('starts a pool of the size set, whose runs get the limits set, and closes it', async () => {
    const kernels = createRunnerKernels(
      { QUARRY_KERNELS: '1', QUARRY_KERNEL_CPU_MS: '300', QUARRY_JS_INPUT_MAX_ROWS: '5' },
      pino({ level: 'silent' }),
    );
    try {
      expect(kernels.inputCaps).toEqual({ maxRows: 5, maxBytes: 64 * 1024 * 1024 });
      const session = await kernels.pool.acquire({ runId: 'env-test', permission: 'can_view' });
      if (!session.ok) throw new Error(session.error.message);
      try {
        const spun = await session.value.runCell({ cellId: 'spin', code: 'while (true) {}', inputs: {} });
        expect(spun).toMatchObject({
          ok: false,
          error: { code: 'kernel.timeout', details: { limit: 'cpu' } },
        });
        if (!spun.ok) expect(spun.error.message).toContain('300 ms');
      } finally {
        session.value.release();
      }
      expect(kernels.pool.stats().size).toBe(1);
    } finally {
      await kernels.close();
    }
  });
});
