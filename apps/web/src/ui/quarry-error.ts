import type { QuarryError, QuarryErrorCode } from '@quarry/contracts';
import { TRPCClientError } from '@trpc/client';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isQuarryError = (value: unknown): value is QuarryError =>
  isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string';

/** What the SPA shows when nothing typed came back: the network, or a response we cannot read. */
export const UNREACHABLE: QuarryError = {
  code: 'client.unreachable',
  message: 'Quarry could not be reached',
  hint: 'Check your connection and try again',
};

const UNREADABLE: QuarryError = {
  code: 'client.unexpected_response',
  message: 'Quarry sent an answer this page could not read',
  hint: 'Reload the page and try again',
};

/**
 * The typed error behind anything a tRPC call threw. The server puts it in `error.data.quarry`; a
 * few answers from outside tRPC (the origin check) carry it as `{ error: { code, message, hint } }`.
 * Never the raw message or a stack.
 */
export function quarryErrorOf(error: unknown): QuarryError {
  if (isQuarryError(error)) return error;
  if (!(error instanceof TRPCClientError)) return UNREACHABLE;
  const data: unknown = error.data;
  if (isRecord(data) && isQuarryError(data.quarry)) return data.quarry;
  const meta: unknown = error.meta;
  const body = isRecord(meta) ? meta.responseJSON : undefined;
  if (isRecord(body) && isQuarryError(body.error)) return body.error;
  // A TRPCClientError without a response body is the fetch itself failing.
  return isRecord(meta) && meta.response ? UNREADABLE : UNREACHABLE;
}

/**
 * Whether an error carries one of these codes. The codes are the contracts' typed union, so a
 * misspelt or retired code fails to compile instead of silently never matching.
 */
export function hasCode(error: QuarryError | null | undefined, ...codes: QuarryErrorCode[]): boolean {
  return error != null && (codes as string[]).includes(error.code);
}

/** Whether trying again may help: the network or our side, never a refusal or bad input. */
export function isTransient(error: unknown): boolean {
  const quarry = quarryErrorOf(error);
  return hasCode(quarry, 'client.unreachable', 'server.internal', 'queue.unavailable');
}

/** The field a validation error points at (`details.path`), if any. */
export function invalidFieldOf(error: QuarryError): string | null {
  if (!hasCode(error, 'input.invalid')) return null;
  const path = error.details?.path;
  return typeof path === 'string' && path ? path : null;
}
