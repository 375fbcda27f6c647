/**
 * The little of oidc-provider's API the SSO tests use (it ships no types, and @types/oidc-provider
 * is not a dependency). See its README and lib/helpers/defaults.js.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type OidcAccount = {
    accountId: string;
    claims: (use: string, scope: string) => Promise<Record<string, unknown>>;
  };

  export type OidcConfiguration = {
    clients?: Record<string, unknown>[];
    jwks?: { keys: Record<string, unknown>[] };
    cookies?: { keys: string[] };
    claims?: Record<string, string[] | null>;
    scopes?: string[];
    conformIdTokenClaims?: boolean;
    pkce?: { required: (ctx: unknown, client: unknown) => boolean };
    findAccount?: (ctx: unknown, sub: string) => Promise<OidcAccount | undefined>;
    features?: Record<string, Record<string, unknown>>;
    ttl?: Record<string, number>;
  };

  export class Provider {
    constructor(issuer: string, configuration?: OidcConfiguration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export default Provider;
}
