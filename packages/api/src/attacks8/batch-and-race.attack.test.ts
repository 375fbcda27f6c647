import { connections, projectGrants } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIn, projectIn, refusal, uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import { codeOf, sendBatch } from '../testing/http-batch';
import { asUser, attackWorkspaces, connectionOf, linkRow, memberOf } from './facts-kit';

// Many calls at once: tRPC batches (one HTTP request, one context, several gate decisions) mixing
// projects of both workspaces and of different permissions, and 50 calls in flight while a grant
// or a connection permission is taken away. Each call's gate reads the facts in one statement:
// after a revoke commits, no call that starts may pass.
let h: ApiHarness;
let A: string;

beforeAll(async () => {
  ({ h, A } = await attackWorkspaces());
}, 60_000);
afterAll(() => h?.close());

/** One HTTP request to /trpc as `userId` in `workspaceId`: `?batch=1` with every call in `calls`. */
const batch = (
  userId: string,
  workspaceId: string,
  method: 'GET' | 'POST',
  calls: { path: string; input: unknown }[],
) => sendBatch(h, { userId, workspaceId, method, calls });

describe('one HTTP batch, several projects', () => {
  it("mixing A's project with B's, in either order, answers A's and NOT_FOUND for B's, naming nothing of B", async () => {
    const editor = h.a.users.editor.id;
    const nameA = uniqueName('ours');
    const nameB = uniqueName('theirs');
    const mine = await projectIn(h, h.a, [{ userId: editor, permission: 'can_edit' }], nameA);
    const theirs = await projectIn(
      h,
      h.b,
      [{ userId: h.b.users.editor.id, permission: 'full_access' }],
      nameB,
    );
    for (const order of [
      [mine, theirs],
      [theirs, mine],
    ]) {
      const { text, answers } = await batch(
        editor,
        A,
        'GET',
        order.map((projectId) => ({ path: 'projects.get', input: { projectId } })),
      );
      expect(answers.map(codeOf)).toEqual(order.map((id) => (id === mine ? 'OK' : 'NOT_FOUND')));
      expect(text).toContain(nameA);
      expect(text).not.toContain(nameB);
    }
  });

  it("a batch of mutations does not carry one call's decision into the next: Full access on one, Can view on the other", async () => {
    const member = await memberOf(h, h.a, 'editor');
    const full = await projectIn(h, h.a, [{ userId: member, permission: 'full_access' }]);
    const viewOnly = await projectIn(h, h.a, [{ userId: member, permission: 'can_view' }]);
    const theirs = await projectIn(h, h.b);
    const { answers } = await batch(member, A, 'POST', [
      { path: 'sharing.shareWithWeb', input: { projectId: full, enabled: true } },
      { path: 'sharing.shareWithWeb', input: { projectId: viewOnly, enabled: true } },
      { path: 'sharing.shareWithWeb', input: { projectId: theirs, enabled: true } },
    ]);
    expect(answers.map(codeOf)).toEqual(['OK', 'FORBIDDEN', 'NOT_FOUND']);
    const publicGrants = async (projectId: string) =>
      (
        await h.database.db
          .select({ id: projectGrants.id })
          .from(projectGrants)
          .where(and(eq(projectGrants.projectId, projectId), eq(projectGrants.groupId, 'public')))
      ).length;
    expect([await publicGrants(full), await publicGrants(viewOnly), await publicGrants(theirs)]).toEqual([
      1, 0, 0,
    ]);
  });
});

/**
 * Keeps 50 calls in flight until `stop`, noting for each whether it started after `revoke` had
 * committed; returns what each call answered.
 */
async function underFire(call: () => Promise<unknown>, revoke: () => Promise<void>) {
  const outcomes: { after: boolean; code: string }[] = [];
  let revoked = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const after = revoked;
      const code = await call().then(
        () => 'OK',
        (error: { code?: string }) => error.code ?? 'THROWN',
      );
      outcomes.push({ after, code });
    }
  };
  const workers = Array.from({ length: 50 }, worker);
  try {
    // Waits on what the assertions need, not on a fixed time a loaded machine may not honour: a call
    // that passed before the revoke, then more than 50 calls that started after it and answered.
    await until(() => outcomes.some((o) => o.code === 'OK'), 'a call answered OK before the revoke');
    await revoke();
    revoked = true;
    await until(
      () => outcomes.filter((o) => o.after).length > 50,
      'more than 50 calls that started after the revoke answered',
    );
  } finally {
    stop = true;
    await Promise.all(workers);
  }
  return outcomes;
}

/** Checks `reached` every 20 ms; fails naming `what` if it is still false after 20 s. */
async function until(reached: () => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  while (!reached()) {
    if (Date.now() > deadline) throw new Error(`gave up after 20 s waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Room for both 20 s waits in underFire, so a miss fails with its own message, not the test timeout.
const UNDER_FIRE_TIMEOUT = 60_000;

describe('50 calls in flight while access is taken away', () => {
  it(
    'after the direct grant is removed through sharing.share, every call that starts is NOT_FOUND',
    async () => {
      const member = await memberOf(h, h.a, 'editor');
      const project = await projectIn(h, h.a, [{ userId: member, permission: 'can_edit' }]);
      const caller = await asUser(h, member, A);
      const admin = await h.as(h.a, 'admin');
      const outcomes = await underFire(
        () => caller.projects.get({ projectId: project }),
        async () => {
          await admin.sharing.share({
            projectId: project,
            target: { kind: 'user', userId: member },
            permission: 'none',
          });
        },
      );
      expect(outcomes.filter((o) => !o.after).some((o) => o.code === 'OK')).toBe(true);
      const after = outcomes.filter((o) => o.after);
      expect(after.length).toBeGreaterThan(50);
      expect(new Set(after.map((o) => o.code))).toEqual(new Set(['NOT_FOUND']));
    },
    UNDER_FIRE_TIMEOUT,
  );

  it(
    "after a connection's Can view results is limited to a group they are not in, every call that starts is refused",
    async () => {
      const member = await memberOf(h, h.a, 'editor');
      const project = await projectIn(h, h.a, [{ userId: member, permission: 'can_edit' }]);
      const connection = await connectionOf(h, h.a);
      await linkRow(h, { projectId: project, connectionId: connection, workspaceId: A });
      const others = await groupIn(h, h.a, []);
      const caller = await asUser(h, member, A);
      const outcomes = await underFire(
        () => caller.sharing.get({ projectId: project }),
        async () => {
          await h.database.db
            .update(connections)
            .set({ canQuery: [others], canViewResults: [others] })
            .where(eq(connections.id, connection));
        },
      );
      expect(outcomes.filter((o) => !o.after).some((o) => o.code === 'OK')).toBe(true);
      expect(new Set(outcomes.filter((o) => o.after).map((o) => o.code))).toEqual(new Set(['FORBIDDEN']));
      const last = await refusal(caller.projects.get({ projectId: project }));
      expect(last.quarry).toBe('access.closed_no_can_view_results');
    },
    UNDER_FIRE_TIMEOUT,
  );
});
