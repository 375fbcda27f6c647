import { z } from 'zod';

/**
 * Every error that reaches a person: a stable code (`domain.snake_case`) the SPA and SDK switch on,
 * a message that says what happened, and a hint that says what to do. Never a stack trace.
 */
export const QuarryError = z.object({
  code: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/),
  message: z.string(),
  hint: z.string().optional(),
  /** Extra facts a client may show, such as the character position of a SQL error. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  /**
   * When going on needs a choice from the caller (the workspace to sign in to), the options, each
   * with the id to send back and a name to show.
   */
  choices: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
});
export type QuarryError = z.infer<typeof QuarryError>;

export type Result<T, E = QuarryError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E = QuarryError>(error: E): Result<never, E> => ({ ok: false, error });
