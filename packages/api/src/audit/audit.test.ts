import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
  // Some history: a token, a share, a sign-in failure.
  const admin = await h.as(h.a, 'admin');
  await admin.tokens.create({ name: 'audit me' });
  await admin.tokens.create({ name: 'audit me too' });
  await admin.sharing.share({
    projectId: h.a.projectId,
    target: { kind: 'group', groupId: 'workspace_guests' },
    permission: 'can_explore',
  });
});
afterAll(() => h?.close());

describe('the audit log for Admins', () => {
  it('lists newest first, filters by action, and pages', async () => {
    const admin = await h.as(h.a, 'admin');
    const page = await admin.audit.list({ limit: 2 });
    expect(page.entries).toHaveLength(2);
    expect(page.entries[0]?.seq).toBeGreaterThan(page.entries[1]?.seq ?? 0);
    expect(page.nextBefore).toBe(page.entries[1]?.seq);
    const shares = await admin.audit.list({ action: 'project.share' });
    expect(shares.entries.map((e) => e.action)).toEqual(['project.share']);
    expect(shares.entries[0]).toMatchObject({ actorEmail: h.a.users.admin.email, targetId: h.a.projectId });
  });

  it("never shows another workspace's entries", async () => {
    const other = await h.as(h.b, 'admin');
    const page = await other.audit.list({ limit: 500 });
    expect(page.entries.some((e) => e.targetId === h.a.projectId)).toBe(false);
  });

  it('exports JSON lines', async () => {
    const admin = await h.as(h.a, 'admin');
    let text = '';
    for await (const chunk of await admin.audit.export({})) text += chunk;
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; hash: string; prevHash: string });
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => l.action === 'token.create')).toBe(true);
    expect(lines[0]?.prevHash).toBe(lines[1]?.hash);
  });

  it('verifies the chain, and names the first entry someone altered', async () => {
    const admin = await h.as(h.a, 'admin');
    expect(await admin.audit.verify()).toMatchObject({ intact: true, firstBreak: null });
    await h.database
      .sql`update audit_events set outcome = 'failure' where chain = ${h.a.workspaceId} and seq = 2`;
    expect(await admin.audit.verify()).toMatchObject({
      intact: false,
      firstBreak: { seq: 2, problem: 'altered' },
    });
  });

  it('refuses everyone but Admins', async () => {
    for (const role of ['manager', 'editor', 'viewer', 'guest'] as const) {
      const caller = await h.as(h.a, role);
      const error = await caller.audit.list({}).catch((e: unknown) => e);
      expect(error instanceof TRPCError ? error.code : error).toBe('FORBIDDEN');
    }
  });
});
