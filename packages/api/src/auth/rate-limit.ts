import type { Db } from '@quarry/db';
import { signInAttempts } from '@quarry/db/schema';
import { eq, inArray, sql } from 'drizzle-orm';

/** AUTH-6: failed sign-ins allowed per window, per account (email as typed) and per client IP. */
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
export const SIGN_IN_LIMITS = { account: 10, ip: 50 } as const;

const keysOf = (input: { email: string; ip: string | null }) => {
  const keys = [`account:${input.email}`];
  if (input.ip) keys.push(`ip:${input.ip}`);
  return keys;
};

/**
 * Whether another attempt may run now. Keyed by the email as typed, so an unknown address is
 * limited exactly like a known one and the answer reveals nothing about which exists.
 */
export async function signInThrottle(
  db: Db,
  input: { email: string; ip: string | null },
  now: Date,
): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
  const rows = await db
    .select()
    .from(signInAttempts)
    .where(inArray(signInAttempts.key, keysOf(input)));
  let retryAfterMs = 0;
  for (const row of rows) {
    const elapsed = now.getTime() - row.windowStart.getTime();
    if (elapsed >= SIGN_IN_WINDOW_MS) continue;
    const limit = row.key.startsWith('ip:') ? SIGN_IN_LIMITS.ip : SIGN_IN_LIMITS.account;
    if (row.count >= limit) retryAfterMs = Math.max(retryAfterMs, SIGN_IN_WINDOW_MS - elapsed);
  }
  return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
}

/** Counts one failure against the account and the IP, starting a fresh window when the old one ended. */
export async function recordSignInFailure(
  db: Db,
  input: { email: string; ip: string | null },
  now: Date,
): Promise<void> {
  // Dates inside a raw sql fragment go as ISO text with an explicit cast.
  const windowStart = sql`${new Date(now.getTime() - SIGN_IN_WINDOW_MS).toISOString()}::timestamptz`;
  const nowAt = sql`${now.toISOString()}::timestamptz`;
  for (const key of keysOf(input)) {
    await db
      .insert(signInAttempts)
      .values({ key, windowStart: now, count: 1 })
      .onConflictDoUpdate({
        target: signInAttempts.key,
        set: {
          count: sql`case when ${signInAttempts.windowStart} <= ${windowStart} then 1 else ${signInAttempts.count} + 1 end`,
          windowStart: sql`case when ${signInAttempts.windowStart} <= ${windowStart} then ${nowAt} else ${signInAttempts.windowStart} end`,
        },
      });
  }
}

export async function clearAccountFailures(db: Db, email: string): Promise<void> {
  await db.delete(signInAttempts).where(eq(signInAttempts.key, `account:${email}`));
}
