import { newId } from '@quarry/db';
import { ssoProviders, workspaces } from '@quarry/db/schema';
import { createTestDatabase } from '@quarry/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { signInOptions } from './services/providers';
import { insertProvider } from './testing/sso-helpers';

let h: ApiHarness;
let providerOfA: string;
let providerOfB: string;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  providerOfA = await insertProvider(h, {
    workspaceId: h.a.workspaceId,
    name: 'Acme Google',
    kind: 'google',
  });
  providerOfB = await insertProvider(h, { workspaceId: h.b.workspaceId, name: 'Beta Okta', kind: 'okta' });
});
afterAll(() => h?.close());

describe('sso.signInOptions', () => {
  it("shows anyone the named workspace's providers, and nothing more about them", async () => {
    const anonymous = await h.anonymous();
    expect(await anonymous.sso.signInOptions({ workspaceId: h.a.workspaceId })).toEqual({
      providers: [{ id: providerOfA, name: 'Acme Google', kind: 'google' }],
    });
    expect(await anonymous.sso.signInOptions({ workspaceId: h.b.workspaceId })).toEqual({
      providers: [{ id: providerOfB, name: 'Beta Okta', kind: 'okta' }],
    });
  });

  it('shows nothing when no workspace is named and there are several, or the workspace is unknown', async () => {
    const anonymous = await h.anonymous();
    expect(await anonymous.sso.signInOptions()).toEqual({ providers: [] });
    expect(await anonymous.sso.signInOptions({})).toEqual({ providers: [] });
    expect(await anonymous.sso.signInOptions({ workspaceId: 'wsp_doesnotexist0000' })).toEqual({
      providers: [],
    });
  });

  it('shows the only workspace’s providers when no workspace is named', async () => {
    const database = await createTestDatabase();
    try {
      const workspaceId = newId('workspace');
      const providerId = newId('sso');
      await database.db.insert(workspaces).values({ id: workspaceId, name: 'Solo' });
      await database.db.insert(ssoProviders).values({
        id: providerId,
        workspaceId,
        kind: 'oidc',
        name: 'Solo IdP',
        issuer: 'https://idp.example',
        clientId: 'quarry',
        clientSecret: Buffer.from('sealed'),
      });
      expect(await signInOptions(database.db, {})).toEqual({
        providers: [{ id: providerId, name: 'Solo IdP', kind: 'oidc' }],
      });
    } finally {
      await database.drop();
    }
  });
});
