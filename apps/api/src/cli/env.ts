import { z } from 'zod';

const Env = z.object({
  /** Quarry's own PostgreSQL; `pnpm quarry` points it at the embedded server when unset. */
  DATABASE_URL: z.string().url(),
});

export const loadCliEnv = () => Object.freeze(Env.parse(process.env));
