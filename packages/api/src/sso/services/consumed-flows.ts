import { createHash } from 'node:crypto';
import type { Db } from '@quarry/db';
import { ssoConsumedFlows } from '@quarry/db/schema';
import { lt } from 'drizzle-orm';

/**
 * OIDC-2 "accepted once", on the server: the callback clears the flow cookie, and this remembers
 * each consumed flow (by a hash of its state) until the flow would have expired anyway, so a
 * replayed cookie is refused even by a client that kept it, whichever API process it reaches. The
 * authorization code is single-use at the provider as well.
 */
export type ConsumedFlows = {
  /** True the first time a flow is presented; false ever after (until it has expired). */
  consume: (state: string, expiresAt: number, now: number) => Promise<boolean>;
};

export function databaseConsumedFlows(db: Db): ConsumedFlows {
  return {
    async consume(state, expiresAt, now) {
      await db.delete(ssoConsumedFlows).where(lt(ssoConsumedFlows.expiresAt, new Date(now)));
      const stateHash = createHash('sha256').update(state).digest('base64url');
      const inserted = await db
        .insert(ssoConsumedFlows)
        .values({ stateHash, expiresAt: new Date(expiresAt) })
        .onConflictDoNothing()
        .returning({ stateHash: ssoConsumedFlows.stateHash });
      return inserted.length === 1;
    },
  };
}
