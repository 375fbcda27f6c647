import { randomUUID } from 'node:crypto';
import { createSession } from '@quarry/auth';
import { auditEvents, ssoProviders } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../context';
import { appRouter } from '../router';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { createCallerFactory } from '../trpc';
import { startTestOp, type TestOp } from './testing/oidc-test-provider';
import { insertProvider, refusal } from './testing/sso-helpers';

let h: ApiHarness;
let op: TestOp;
/** A fresh value each run, so the scan for it in every response means something. */
const SECRET = `client-secret-${randomUUID()}`;

beforeAll(async () => {
  [h, op] = await Promise.all([createApiHarness({ orders: 10 }), startTestOp()]);
});
afterAll(async () => {
  await op?.close();
  await h?.close();
});

const input = (overrides: Record<string, string> = {}) => ({
  kind: 'oidc' as const,
  name: 'Acme IdP',
  issuer: op.issuer,
  clientId: 'quarry',
  clientSecret: SECRET,
  ...overrides,
});

async function providerRows(workspaceId: string) {
  return h.database.db.select().from(ssoProviders).where(eq(ssoProviders.workspaceId, workspaceId));
}

describe('sso.createProvider', () => {
  it('discovers the issuer, seals the client secret for this provider, audits, and never returns the secret', async () => {
    const admin = await h.as(h.a, 'admin');
    const summary = await admin.sso.createProvider(input());
    expect(summary).toEqual({
      id: expect.stringMatching(/^sso_[a-z2-7]{16}$/),
      kind: 'oidc',
      name: 'Acme IdP',
      issuer: op.issuer,
      clientId: 'quarry',
      redirectUri: `http://localhost:3000/auth/sso/${summary.id}/callback`,
    });
    const [row] = await h.database.db.select().from(ssoProviders).where(eq(ssoProviders.id, summary.id));
    expect(row?.clientSecret.toString('latin1')).not.toContain(SECRET);
    const context = { workspaceId: h.a.workspaceId, recordId: summary.id, purpose: 'sso.client_secret' };
    expect(h.vault.openText(row?.clientSecret ?? Buffer.alloc(0), context)).toEqual({
      ok: true,
      value: SECRET,
    });
    expect(
      h.vault.openText(row?.clientSecret ?? Buffer.alloc(0), { ...context, purpose: 'sso.flow' }).ok,
    ).toBe(false);

    const [audit] = await h.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'sso.provider_create'), eq(auditEvents.targetId, summary.id)));
    expect(audit).toMatchObject({ chain: h.a.workspaceId, actorId: h.a.users.admin.id, outcome: 'success' });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    const listed = await admin.sso.listProviders();
    expect(listed.map((p) => p.id)).toContain(summary.id);
    expect(JSON.stringify(listed)).not.toContain(SECRET);
  });

  it('refuses an issuer that is not the one the provider publishes, and stores nothing (OIDC-1)', async () => {
    const admin = await h.as(h.b, 'admin');
    const localhost = op.issuer.replace('127.0.0.1', 'localhost');
    expect(await refusal(admin.sso.createProvider(input({ issuer: localhost })))).toEqual({
      code: 'BAD_REQUEST',
      quarry: 'sso.issuer_mismatch',
    });
    expect(await refusal(admin.sso.createProvider(input({ issuer: `${op.issuer}/` })))).toMatchObject({
      quarry: 'sso.issuer_mismatch',
    });
    expect(await providerRows(h.b.workspaceId)).toEqual([]);
  });

  it('refuses an issuer it cannot discover', async () => {
    const admin = await h.as(h.b, 'admin');
    expect(await refusal(admin.sso.createProvider(input({ issuer: 'http://127.0.0.1:9' })))).toMatchObject({
      quarry: 'sso.discovery_failed',
    });
    expect(await providerRows(h.b.workspaceId)).toEqual([]);
  });

  it('refuses a plain-http issuer when Quarry itself is served over https', async () => {
    const deps = { ...h.deps, secureCookies: true };
    const { token } = await createSession(h.database.db, {
      userId: h.b.users.admin.id,
      workspaceId: h.b.workspaceId,
    });
    const ctx = await createContext({
      deps,
      headers: new Headers({ cookie: `__Host-quarry_session=${token}` }),
      resHeaders: new Headers(),
      request: { ip: null, userAgent: null, requestId: 'secure' },
    });
    const admin = createCallerFactory(appRouter)(ctx);
    expect(await refusal(admin.sso.createProvider(input()))).toMatchObject({ quarry: 'sso.insecure_issuer' });
  });

  it('shows the absolute redirect URI to register when the public URL is known', async () => {
    const deps = { ...h.deps, publicUrl: 'https://quarry.acme.test/' };
    const { token } = await createSession(h.database.db, {
      userId: h.a.users.admin.id,
      workspaceId: h.a.workspaceId,
    });
    const ctx = await createContext({
      deps,
      headers: new Headers({ cookie: `quarry_session=${token}` }),
      resHeaders: new Headers(),
      request: { ip: null, userAgent: null, requestId: 'public-url' },
    });
    const listed = await createCallerFactory(appRouter)(ctx).sso.listProviders();
    for (const provider of listed) {
      expect(provider.redirectUri).toBe(`https://quarry.acme.test/auth/sso/${provider.id}/callback`);
    }
  });

  it('is for Admins only', async () => {
    for (const role of ['manager', 'editor', 'viewer', 'guest'] as const) {
      const member = await h.as(h.a, role);
      expect((await refusal(member.sso.createProvider(input()))).code, role).toBe('FORBIDDEN');
      expect((await refusal(member.sso.listProviders())).code, role).toBe('FORBIDDEN');
    }
  });
});

describe('sso.listProviders and sso.deleteProvider', () => {
  it("lists only the caller's workspace's providers", async () => {
    const mine = await insertProvider(h, { workspaceId: h.a.workspaceId, name: 'Mine' });
    const theirs = await insertProvider(h, { workspaceId: h.b.workspaceId, name: 'Theirs' });
    const listed = await (await h.as(h.a, 'admin')).sso.listProviders();
    expect(listed.map((p) => p.id)).toContain(mine);
    expect(listed.map((p) => p.id)).not.toContain(theirs);
  });

  it("answers NOT_FOUND for another workspace's provider, and deletes its own with an audit entry", async () => {
    const theirs = await insertProvider(h, { workspaceId: h.b.workspaceId });
    const admin = await h.as(h.a, 'admin');
    expect(await refusal(admin.sso.deleteProvider({ providerId: theirs }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await providerRows(h.b.workspaceId)).map((p) => p.id)).toContain(theirs);

    const mine = await insertProvider(h, { workspaceId: h.a.workspaceId });
    expect(await admin.sso.deleteProvider({ providerId: mine })).toEqual({ deleted: true });
    expect((await providerRows(h.a.workspaceId)).map((p) => p.id)).not.toContain(mine);
    const [audit] = await h.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'sso.provider_delete'), eq(auditEvents.targetId, mine)));
    expect(audit?.outcome).toBe('success');
  });
});
