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
  it('refuses password sign-in for a non-Admin exactly like a wrong password: the answer and the audit entry', async () => {
    const anonymous = await h.anonymous();
    const refused = await anonymous.auth
      .signIn({ email: h.a.users.editor.email, password: FIXTURE_PASSWORD })
      .catch((e: unknown) => e);
    const wrong = await anonymous.auth
      .signIn({ email: h.a.users.editor.email, password: 'not the password' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', quarry: { code: 'auth.invalid_credentials' } });
    expect((refused as Error).message).toBe((wrong as Error).message);
    // The workspace's Admin reads the audit log: a right password must leave the same trace there.
    const entries = await h.database.sql<{ outcome: string; details: unknown; actor_id: string }[]>`
      select outcome, details, actor_id from audit_events
      where chain = ${h.a.workspaceId} and action = 'auth.sign_in' order by seq`;
    expect(entries.map(({ outcome, details, actor_id }) => ({ outcome, details, actor_id }))).toEqual([
      { outcome: 'failure', details: { method: 'password' }, actor_id: h.a.users.editor.id },
      { outcome: 'failure', details: { method: 'password' }, actor_id: h.a.users.editor.id },
    ]);
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
