import { z } from 'zod';

const Env = z.object({
  /** Quarry's own PostgreSQL; `pnpm quarry` points it at the embedded server when unset. */
  DATABASE_URL: z.string().url(),
  /**
   * The active master key (`vault rotate` re-wraps every record under it); `pnpm quarry` reads
   * .data/master.key when unset, as `npm start` does. Checked by the vault, never printed.
   */
  QUARRY_MASTER_KEY: z.string().optional(),
  /** The older master keys records may still be sealed under, comma-separated; never printed. */
  QUARRY_PREVIOUS_MASTER_KEYS: z.string().optional(),
});

export const loadCliEnv = () => Object.freeze(Env.parse(process.env));
