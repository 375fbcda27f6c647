import type { ConnectorError } from '../types';
import { toConnectorError } from './errors';
import { IdentityError } from './identity/prepare';

/**
 * The error a failed stream ends with, on the cursor and the COPY path alike: the reader's identity
 * refused by the warehouse says so (not "the connection failed"); a result limit that closed the
 * socket is the cause rather than the closed socket; anything else is mapped by toConnectorError.
 */
export function streamErrorOf(
  error: unknown,
  input: { limitError: unknown; timeoutMs: number; cancelled: boolean; startedAt: number },
): ConnectorError {
  if (error instanceof IdentityError) return error.error;
  return toConnectorError(input.limitError ?? error, {
    timeoutMs: input.timeoutMs,
    cancelled: input.cancelled,
    elapsedMs: performance.now() - input.startedAt,
  });
}
