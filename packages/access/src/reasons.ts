import type { AccessReasonCode } from '@quarry/contracts';

/**
 * Why the engine decided what it decided. `code` is stable (`access.snake_case`, listed in
 * contracts' `AccessReasonCode`) so the API and the SPA can switch on it; `message` is a sentence a
 * person can read, naming the asset or role at fault.
 */
export type Reason = { code: AccessReasonCode; message: string };
