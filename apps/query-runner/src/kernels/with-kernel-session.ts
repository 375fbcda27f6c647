import { err, type Result } from '@quarry/contracts';
import type { KernelError } from './kernel-errors';
import type { AcquireInput, KernelPool, KernelSession } from './kernel-pool';

/**
 * Holds a kernel for the length of `work` and always gives it back, so a run that throws or is
 * cancelled between its JS cells never keeps a kernel (and its isolate) until the idle timeout.
 */
export async function withKernelSession<T>(
  pool: KernelPool,
  input: AcquireInput,
  work: (session: KernelSession) => Promise<Result<T, KernelError>>,
): Promise<Result<T, KernelError>> {
  const session = await pool.acquire(input);
  if (!session.ok) return err(session.error);
  try {
    return await work(session.value);
  } finally {
    session.value.release();
  }
}
