import { err, ok, type Result } from '@quarry/contracts';
import { type AllowList, fetchChecked } from '@quarry/net-policy';
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTVerifyGetKey } from 'jose';
import { type DiscoveryOptions, discoverIssuer, type IssuerMetadata } from './discover-issuer';
import type { SsoProtocolError } from './sso-errors';

/** A discovered issuer and a resolver for its signing keys. */
export type IssuerClient = { metadata: IssuerMetadata; keys: JWTVerifyGetKey };

export type IssuerCache = {
  /** The cached client, or a fresh discovery when there is none or it is older than the TTL. */
  get(issuer: string, options: DiscoveryOptions): Promise<Result<IssuerClient, SsoProtocolError>>;
  /** Forget one issuer (after a failure that suggests rotated metadata) or all of them. */
  forget(issuer?: string): void;
};

const HOUR = 60 * 60 * 1000;

/**
 * Discovery documents and JWKS resolvers per issuer, in memory, for `ttlMs`. Failures are never
 * cached, concurrent lookups of one issuer share one request, and jose's resolver refetches keys
 * (through the same address policy as discovery)
 * on an unknown `kid` (after its cooldown) and after its own max age, so key rotation is picked up.
 */
export function createIssuerCache(options: { ttlMs?: number; now?: () => number } = {}): IssuerCache {
  const ttlMs = options.ttlMs ?? HOUR;
  const now = options.now ?? Date.now;
  const entries = new Map<
    string,
    { issuer: string; at: number; client: Promise<Result<IssuerClient, SsoProtocolError>> }
  >();

  return {
    get(issuer, discovery) {
      // What the policy allowed is part of the key: a narrower allow-list never reuses a discovery.
      const key = `${discovery.allowInsecureLoopback ? 'loopback' : 'https'} ${discovery.allowPrivateHosts.entries.join(',')} ${issuer}`;
      const cached = entries.get(key);
      if (cached && now() - cached.at < ttlMs) return cached.client;
      const client: Promise<Result<IssuerClient, SsoProtocolError>> = discoverIssuer(issuer, discovery).then(
        (found) => {
          if (!found.ok) {
            if (entries.get(key)?.client === client) entries.delete(key);
            return err(found.error);
          }
          const keys = createRemoteJWKSet(new URL(found.value.jwksUri), {
            timeoutDuration: 5000,
            cooldownDuration: 30_000,
            cacheMaxAge: 10 * 60 * 1000,
            [customFetch]: checkedFetch(discovery.allowPrivateHosts),
          });
          return ok({ metadata: found.value, keys });
        },
      );
      entries.set(key, { issuer, at: now(), client });
      return client;
    },
    forget(issuer) {
      for (const [key, entry] of entries)
        if (issuer === undefined || entry.issuer === issuer) entries.delete(key);
    },
  };
}

const MAX_JWKS_BYTES = 256 * 1024;

/** jose's fetch for the JWKS, through the address policy (CONN-2) like discovery itself. */
function checkedFetch(allow: AllowList): FetchImplementation {
  return async (url, options) => {
    const headers: Record<string, string> = {};
    options.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const answer = await fetchChecked(new URL(url), {
      allow,
      timeoutMs: 5000,
      maxBytes: MAX_JWKS_BYTES,
      headers,
    });
    // jose turns a failed fetch into its own error; ours names no address.
    if (!answer.ok) throw new Error(`the JWKS could not be fetched (${answer.error.code})`);
    return new Response(new Uint8Array(answer.value.body), { status: answer.value.status });
  };
}

/** The process-wide cache the API uses. */
export const issuerCache: IssuerCache = createIssuerCache();
