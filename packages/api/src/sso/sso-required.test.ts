import { workspaces } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness, FIXTURE_PASSWORD } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
  await h.database.db.update(workspaces).set({ ssoRequired: true }).where(eq(workspaces.id, h.a.workspaceId));
});
afterAll(() => h?.close());

describe('a workspace that requires SSO', () => {
  it('refuses password sign-in for a non-Admin with the same answer as a wrong password, and audits why', async () => {
    const anonymous = await h.anonymous();
    const refused = await anonymous.auth
      .signIn({ email: h.a.users.editor.email, password: FIXTURE_PASSWORD })
      .catch((e: unknown) => e);
    const wrong = await anonymous.auth
      .signIn({ email: h.a.users.editor.email, password: 'not the password' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', quarry: { code: 'auth.invalid_credentials' } });
    expect((refused as Error).message).toBe((wrong as Error).message);
    const [audit] = await h.database
      .sql`select outcome, details from audit_events where chain = ${h.a.workspaceId} and action = 'auth.sign_in' and outcome = 'refused'`;
    expect(audit?.details).toMatchObject({ reason: 'sso_required' });
  });

  it('still lets an Admin in with a password, so a broken provider never locks the workspace out', async () => {
    const anonymous = await h.anonymous();
    expect(
      (await anonymous.auth.signIn({ email: h.a.users.admin.email, password: FIXTURE_PASSWORD })).userId,
    ).toBe(h.a.users.admin.id);
  });

  it('leaves other workspaces alone', async () => {
    const anonymous = await h.anonymous();
    expect(
      (await anonymous.auth.signIn({ email: h.b.users.editor.email, password: FIXTURE_PASSWORD })).userId,
    ).toBe(h.b.users.editor.id);
  });
});
