/**
 * A value or a typed error. Vault functions return this for anything a caller can cause (a bad
 * record, a missing key, a malformed master key) and throw only for bugs.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
