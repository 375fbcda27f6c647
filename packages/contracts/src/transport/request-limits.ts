/**
 * Limits on one HTTP request to `/trpc`, shared by the server that enforces them and the clients
 * (the SPA, the SDK) whose batch links must stay inside them.
 */

/**
 * At most this many procedure calls in one batched request. Without a cap one request can carry
 * hundreds of sign-in guesses or queued runs (issue 7, items 2 and 14); ten covers what a page loads
 * at once.
 */
export const MAX_CALLS_PER_REQUEST = 10;

/** The largest request body `/trpc` reads: about 1 MB. Uploads get their own streaming routes. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** Identifier-sized strings (prefixed ids, group keys): generous for `prj_` + 26 characters. */
export const MAX_ID_LENGTH = 64;

/** RFC 5321: a forward path holds at most 254 characters. */
export const MAX_EMAIL_LENGTH = 254;
