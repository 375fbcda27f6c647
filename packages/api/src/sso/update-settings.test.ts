import { auditEvents, ssoProviders } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { insertProvider, refusal } from './testing/sso-helpers';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

describe('sso.getSettings and sso.updateSettings', () => {
  it('starts with no allowed domains, Viewer for newcomers, and SSO not required', async () => {
    const admin = await h.as(h.a, 'admin');
    expect(await admin.sso.getSettings()).toEqual({
      allowedEmailDomains: [],
      defaultRole: 'viewer',
      ssoRequired: false,
    });
  });

  it('stores lower-cased, de-duplicated domains and the default role, and audits before and after', async () => {
    const admin = await h.as(h.a, 'admin');
    const saved = await admin.sso.updateSettings({
      allowedEmailDomains: ['Acme.test', 'acme.test', 'corp.acme.test'],
      defaultRole: 'explorer',
      ssoRequired: false,
    });
    expect(saved).toEqual({
      allowedEmailDomains: ['acme.test', 'corp.acme.test'],
      defaultRole: 'explorer',
      ssoRequired: false,
    });
    expect(await admin.sso.getSettings()).toEqual(saved);
    expect(await (await h.as(h.b, 'admin')).sso.getSettings()).toMatchObject({ allowedEmailDomains: [] });
    const [audit] = await h.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, h.a.workspaceId), eq(auditEvents.action, 'sso.settings_update')));
    expect(audit?.details).toMatchObject({
      before: { allowedEmailDomains: [], defaultRole: 'viewer' },
      after: { allowedEmailDomains: ['acme.test', 'corp.acme.test'], defaultRole: 'explorer' },
    });
  });

  it('refuses Admin as the role SSO gives, and a malformed domain', async () => {
    const admin = await h.as(h.a, 'admin');
    const base = { allowedEmailDomains: [], ssoRequired: false };
    expect(
      await refusal(admin.sso.updateSettings({ ...base, defaultRole: 'admin' as 'viewer' })),
    ).toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(
      await refusal(
        admin.sso.updateSettings({ ...base, allowedEmailDomains: ['@acme'], defaultRole: 'viewer' }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('requires a provider before SSO can be required, and keeps the last one while it is', async () => {
    const admin = await h.as(h.b, 'admin');
    const required = { allowedEmailDomains: [], defaultRole: 'viewer' as const, ssoRequired: true };
    expect(await refusal(admin.sso.updateSettings(required))).toMatchObject({ quarry: 'sso.no_provider' });
    const providerId = await insertProvider(h, { workspaceId: h.b.workspaceId });
    expect((await admin.sso.updateSettings(required)).ssoRequired).toBe(true);
    expect(await refusal(admin.sso.deleteProvider({ providerId }))).toMatchObject({
      quarry: 'sso.provider_required',
    });
    const [row] = await h.database.db.select().from(ssoProviders).where(eq(ssoProviders.id, providerId));
    // Still there: the refusal changed nothing.
    expect(row?.id).toBe(providerId);
  });

  it('is for Admins only', async () => {
    for (const role of ['manager', 'editor', 'explorer', 'viewer', 'guest'] as const) {
      const member = await h.as(h.a, role);
      expect((await refusal(member.sso.getSettings())).code, role).toBe('FORBIDDEN');
      expect(
        (
          await refusal(
            member.sso.updateSettings({ allowedEmailDomains: [], defaultRole: 'viewer', ssoRequired: false }),
          )
        ).code,
        role,
      ).toBe('FORBIDDEN');
    }
  });
});
