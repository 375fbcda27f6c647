import { z } from 'zod';

const KernelHostEnv = z.object({
  /** Read only to check that --no-node-snapshot is set (KRN-2). */
  NODE_OPTIONS: z.string().optional(),
});

/**
 * The kernel host's environment. The pool passes next to nothing (KRN-1); the names are kept so the
 * host can refuse to start when something that looks like a secret reached it anyway.
 */
export function loadKernelHostEnv(
  source: Record<string, string | undefined> = process.env,
): Readonly<z.infer<typeof KernelHostEnv> & { names: readonly string[] }> {
  return Object.freeze({ ...KernelHostEnv.parse(source), names: Object.freeze(Object.keys(source)) });
}
