import { createHash } from 'node:crypto';

const MAX_ENTRIES = 50_000;

/**
 * OIDC-2 "accepted once", on the server: the callback clears the flow cookie, and this remembers
 * each consumed flow (by a hash of its state) until the flow would have expired anyway, so a
 * replayed cookie is refused even by a client that kept it. The authorization code is single-use
 * at the provider as well. In memory: one API process; several processes would need a shared table.
 */
export type ConsumedFlows = {
  /** True the first time a flow is presented; false ever after (until it has expired). */
  consume: (state: string, expiresAt: number, now: number) => boolean;
};

export function createConsumedFlows(): ConsumedFlows {
  const seen = new Map<string, number>();
  return {
    consume(state, expiresAt, now) {
      for (const [key, until] of seen) {
        if (until > now && seen.size < MAX_ENTRIES) break;
        seen.delete(key);
      }
      const key = createHash('sha256').update(state).digest('base64url');
      if (seen.has(key)) return false;
      seen.set(key, expiresAt);
      return true;
    },
  };
}

/** The API process's record of consumed flows. */
export const consumedFlows: ConsumedFlows = createConsumedFlows();
