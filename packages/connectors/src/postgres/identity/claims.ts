import { createHash, createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * The session setting the runner puts the signed claims in. Anyone can set it (a cell too): what
 * makes the identity unforgeable is the signature and the binding to the run's own transaction,
 * which the warehouse's verifier checks, never the setting itself.
 */
export const CLAIMS_SETTING = 'quarry.claims';

/** The token's version: the verifier refuses any other. */
const TOKEN_VERSION = 'v1';

/** The shared key: 32 random bytes as 64 lowercase hexadecimal characters. */
export const IdentityKey = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{64}$/, 'The identity key is 64 hexadecimal characters (generate one in Quarry)');
export type IdentityKey = z.infer<typeof IdentityKey>;

/** A fresh identity key, for a connection that turns identity passthrough on. */
export const generateIdentityKey = (): IdentityKey => randomBytes(32).toString('hex');

/**
 * The key's id: which row of the warehouse's key table verifies a token. Derived from the key, so
 * a connection needs no second setting, and one-way, so the id says nothing of the key.
 */
export const identityKeyId = (key: IdentityKey): string =>
  createHash('sha256')
    .update('quarry-identity-kid\0')
    .update(Buffer.from(key, 'hex'))
    .digest('hex')
    .slice(0, 16);

/** Who reads, as Quarry knows them when the run starts. */
export const ReaderIdentity = z.object({
  userId: z.string().min(1).max(200),
  email: z.string().max(320),
  workspaceId: z.string().min(1).max(200),
  /** The reader's groups in that workspace: ids (stable) and names (what a policy reads best). */
  groups: z.array(z.object({ id: z.string().min(1).max(200), name: z.string().max(200) })).max(1000),
});
export type ReaderIdentity = z.infer<typeof ReaderIdentity>;

/** What the run's session says about itself, read inside the run's transaction before signing. */
export const SessionFacts = z.object({
  /** `pg_backend_pid()`. */
  pid: z.coerce.number().int().positive(),
  /** The transaction's start, `YYYY-MM-DDTHH:MM:SS.uuuuuuZ` in UTC as the server writes it. */
  xs: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
});
export type SessionFacts = z.infer<typeof SessionFacts>;

/**
 * The signed payload. `pid` and `xs` bind it to one transaction of one session: claims copied into
 * another session, or into a later transaction of the same one (a pooler's reused backend), do not
 * verify. `exp` is in the server's clock (seconds since the epoch), taken from `xs`, so the
 * runner's clock never matters.
 */
export type ReaderClaims = {
  v: 1;
  sub: string;
  email: string;
  ws: string;
  groups: { id: string; name: string }[];
  run: string;
  iat: number;
  exp: number;
  pid: number;
  xs: string;
};

export function buildClaims(input: {
  reader: ReaderIdentity;
  runId: string;
  session: SessionFacts;
  /** How long the claims verify: the run's timeout and a margin. */
  ttlMs: number;
}): ReaderClaims {
  const reader = ReaderIdentity.parse(input.reader);
  const session = SessionFacts.parse(input.session);
  // Six fraction digits: Date reads milliseconds, the rest only matters to the verifier.
  const startedMs = Date.parse(`${session.xs.slice(0, 23)}Z`);
  const iat = Math.floor(startedMs / 1000);
  return {
    v: 1,
    sub: reader.userId,
    email: reader.email,
    ws: reader.workspaceId,
    groups: reader.groups.map((g) => ({ id: g.id, name: g.name })),
    run: input.runId,
    iat,
    exp: Math.ceil((startedMs + input.ttlMs) / 1000),
    pid: session.pid,
    xs: session.xs,
  };
}

const mac = (key: IdentityKey, text: string) =>
  createHmac('sha256', Buffer.from(key, 'hex')).update(text, 'utf8').digest('hex');

/**
 * `v1.<key id>.<base64 of the claims' JSON>.<HMAC-SHA256 in hex>`, the MAC over everything before
 * its dot. Standard base64 and hex only: the verifier matches the whole token against a pattern
 * before it decodes anything, so a malformed token never reaches a parser that could throw.
 */
export function signClaims(claims: ReaderClaims, key: IdentityKey): string {
  const parsedKey = IdentityKey.parse(key);
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64');
  const signed = `${TOKEN_VERSION}.${identityKeyId(parsedKey)}.${payload}`;
  return `${signed}.${mac(parsedKey, signed)}`;
}

/**
 * What a result of an identity-passing connection is cached and shared under, next to the
 * connection, SQL and parameters: who reads, as the warehouse's policies can see it. Run id, expiry
 * and session facts change every run and are left out; group order is not significant.
 */
export function identityCacheKey(reader: ReaderIdentity): string {
  const r = ReaderIdentity.parse(reader);
  const groups = [...r.groups].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify({ sub: r.userId, email: r.email, ws: r.workspaceId, groups }))
    .digest('hex');
}
