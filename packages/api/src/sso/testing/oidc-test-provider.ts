/// <reference path="./oidc-provider.d.ts" />
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import { Provider } from 'oidc-provider';

/** A person at the test provider; `findAccount` answers with these claims. */
export type TestAccount = { sub: string; email: string; emailVerified: boolean; name?: string };

export type TestOp = {
  /** `http://127.0.0.1:<port>`, exactly as the provider publishes it. */
  issuer: string;
  /** The people who can sign in; change them between sign-ins (an email that changes, say). */
  accounts: Map<string, TestAccount>;
  /** Registers a confidential client (client_secret_basic, code flow only) with one redirect URI. */
  registerClient: (client: { clientId: string; clientSecret: string; redirectUri: string }) => Promise<void>;
  /** The provider's id_token signing key and its kid, for tests that forge tokens with it. */
  signingKey: { privateKey: KeyObject; kid: string };
  close: () => Promise<void>;
};

/**
 * A real OpenID Provider (panva's oidc-provider) on a random loopback port: discovery, JWKS, PKCE
 * required, authorization codes, its development login and consent pages, and dynamic client
 * registration so a client can be registered with Quarry's callback URL once the provider row (and
 * so its id) exists. Plain http is accepted because the issuer is loopback and NODE_ENV is not
 * `production`.
 */
export async function startTestOp(): Promise<TestOp> {
  let handler: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const issuer = `http://127.0.0.1:${port}`;

  const kid = `test-${randomBytes(4).toString('hex')}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

  const accounts = new Map<string, TestAccount>();
  let nextClient: { clientId: string; clientSecret: string } | undefined;

  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile'],
    // Put the scopes' claims in the id_token itself, as Google and Okta do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: account.email,
          email_verified: account.emailVerified,
          name: account.name ?? account.email,
        }),
      };
    },
    features: {
      devInteractions: { enabled: true },
      registration: {
        enabled: true,
        idFactory: () => nextClient?.clientId,
        secretFactory: async () => nextClient?.clientSecret,
      },
    },
  });
  handler = provider.callback();

  return {
    issuer,
    accounts,
    signingKey: { privateKey, kid },
    registerClient: async (client) => {
      nextClient = client;
      const response = await fetch(`${issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [client.redirectUri],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      });
      nextClient = undefined;
      if (response.status !== 201) throw new Error(`client registration failed: ${await response.text()}`);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
