import { createServer, type Server } from 'node:net';
import { createSession } from '@quarry/auth';
import { ssoProviders } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../context';
import type { Deps } from '../deps';
import { QuarryTRPCError } from '../errors';
import { appRouter } from '../router';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { createCallerFactory } from '../trpc';

let h: ApiHarness;
let listener: Server;
let port = 0;
let connections = 0;
const warnings: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener?.close(() => resolve()));
  await h?.close();
});

/** An Admin of workspace A on a Quarry whose configuration allows no private host (the default). */
async function adminWithoutAllowList() {
  const deps: Deps = {
    ...h.deps,
    allowPrivateHosts: undefined,
    log: { ...h.deps.log, warn: (fields) => warnings.push(fields) },
  };
  const { token } = await createSession(h.database.db, {
    userId: h.a.users.admin.id,
    workspaceId: h.a.workspaceId,
  });
  const ctx = await createContext({
    deps,
    headers: new Headers({ cookie: `quarry_session=${token}` }),
    resHeaders: new Headers(),
    request: { ip: null, userAgent: null, requestId: 'probe' },
  });
  return createCallerFactory(appRouter)(ctx);
}

describe('sso.createProvider as an internal network probe (issue 7, item 9)', () => {
  // Loopback spellings aim at a listener that must see no connection; the rest are refused before
  // any socket opens, so no packet leaves this machine.
  it.each([
    ['the metadata address', () => 'http://169.254.169.254'],
    ['loopback as one integer', () => `http://2130706433:${port}`],
    ['loopback in hex', () => `http://0x7f000001:${port}`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port}`],
    ['localhost, not allowed in configuration', () => `http://localhost:${port}`],
    ['a private address', () => 'http://10.0.0.1'],
  ])(
    'refuses %s with the generic discovery error, contacts nothing, stores nothing',
    async (_name, issuerOf) => {
      const issuer = issuerOf();
      const admin = await adminWithoutAllowList();
      const refused = await admin.sso
        .createProvider({
          kind: 'oidc',
          name: 'Probe',
          issuer,
          clientId: 'quarry',
          clientSecret: 'not-a-secret',
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(QuarryTRPCError);
      if (!(refused instanceof QuarryTRPCError)) return;
      expect(refused.quarry).toEqual({
        code: 'sso.discovery_failed',
        message: "Quarry could not read the identity provider's configuration",
        hint: expect.any(String),
      });
      // No status, no address, no reason in what the Admin sees.
      expect(JSON.stringify(refused.quarry)).not.toMatch(/HTTP|127\.0\.0\.1|169\.254|10\.0\.0\.1|refused/);
      expect(connections).toBe(0);
      expect(warnings.at(-1)).toMatchObject({ issuer, reason: 'net.address_refused' });
      const rows = await h.database.db.select().from(ssoProviders).where(eq(ssoProviders.issuer, issuer));
      expect(rows).toEqual([]);
    },
  );
});
