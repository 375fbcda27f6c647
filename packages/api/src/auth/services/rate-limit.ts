import { isIPv4, isIPv6 } from 'node:net';
import type { Db } from '@quarry/db';
import { signInAttempts } from '@quarry/db/schema';
import { eq, sql } from 'drizzle-orm';

/** AUTH-6: credential checks allowed per window, per account (email as typed) and per client IP. */
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
export const SIGN_IN_LIMITS = { account: 10, ip: 50 } as const;

/** One counter an attempt is charged to: `account:<email>`, `ip:<address>`, `password:<user id>`. */
export type AttemptCounter = { key: string; limit: number };

export type Reservation = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * The client a per-address counter is kept for: an IPv4 address (IPv4-mapped IPv6 included) as
 * itself, an IPv6 address by its /64, since one subscriber is usually handed a whole /64 and could
 * otherwise spray guesses from as many addresses as it likes.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return mapped;
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

/** The counters a credential check for this email (sign-in, joining with an account, password change) is charged to. */
export function signInCounters(input: { email: string; ip: string | null }): AttemptCounter[] {
  const counters: AttemptCounter[] = [
    { key: `account:${input.email.toLowerCase()}`, limit: SIGN_IN_LIMITS.account },
  ];
  if (input.ip) counters.push({ key: `ip:${clientKey(input.ip)}`, limit: SIGN_IN_LIMITS.ip });
  return counters;
}

/**
 * AUTH-7: charges the attempt to every counter in ONE statement that increments and returns the
 * counts, and only then says whether the check may run. Checking first and counting failures
 * afterwards let a burst (a batched request, or 40 parallel ones) run every guess before the first
 * failure was counted. Every attempt is charged, successful or not; `releaseAttempt` gives a
 * success back. Keyed by the email as typed, so an unknown address is limited exactly like a known
 * one and the answer reveals nothing about which exists.
 */
export async function reserveAttempt(db: Db, counters: AttemptCounter[], now: Date): Promise<Reservation> {
  if (counters.length === 0) return { allowed: true };
  // Dates inside a raw sql fragment go as ISO text with an explicit cast.
  const windowEnded = sql`${new Date(now.getTime() - SIGN_IN_WINDOW_MS).toISOString()}::timestamptz`;
  const nowAt = sql`${now.toISOString()}::timestamptz`;
  const rows = await db
    .insert(signInAttempts)
    .values(counters.map(({ key }) => ({ key, windowStart: now, count: 1 })))
    .onConflictDoUpdate({
      target: signInAttempts.key,
      set: {
        count: sql`case when ${signInAttempts.windowStart} <= ${windowEnded} then 1 else ${signInAttempts.count} + 1 end`,
        windowStart: sql`case when ${signInAttempts.windowStart} <= ${windowEnded} then ${nowAt} else ${signInAttempts.windowStart} end`,
      },
    })
    .returning({
      key: signInAttempts.key,
      count: signInAttempts.count,
      windowStart: signInAttempts.windowStart,
    });
  let retryAfterMs = 0;
  for (const row of rows) {
    const limit = counters.find((c) => c.key === row.key)?.limit ?? 0;
    if (row.count > limit) {
      const left = row.windowStart.getTime() + SIGN_IN_WINDOW_MS - now.getTime();
      retryAfterMs = Math.max(retryAfterMs, left, 1);
    }
  }
  return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
}

/**
 * After a right answer: the account's counter starts afresh, and the IP's forgets this one
 * attempt, so only failures add up against a shared address.
 */
export async function releaseAttempt(db: Db, counters: AttemptCounter[]): Promise<void> {
  for (const { key } of counters) {
    if (key.startsWith('ip:')) {
      await db
        .update(signInAttempts)
        .set({ count: sql`greatest(${signInAttempts.count} - 1, 0)` })
        .where(eq(signInAttempts.key, key));
    } else {
      await db.delete(signInAttempts).where(eq(signInAttempts.key, key));
    }
  }
}

/** The typed refusal, with how long to wait. */
export function rateLimited(retryAfterMs: number) {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return {
    code: 'auth.rate_limited',
    message: 'Too many sign-in attempts',
    hint: `Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again`,
  } as const;
}
