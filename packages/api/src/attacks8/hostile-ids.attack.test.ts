import { loadMemberProjectFacts } from '@quarry/db/access-facts';
import { projectConnections } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal, sqlCellIn, uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import { attackWorkspaces, connectionOf, tenantCounts } from './facts-kit';

// Ids built to break the one statement: quotes, comments, LIKE wildcards, unicode controls, lone
// surrogates, a megabyte, near-misses of a real id, and values that are not strings at all. The
// gate reads them before the input schema does, so each reaches loadMemberProjectFacts as a bound
// parameter: the answer is a typed NOT_FOUND (BAD_REQUEST, before any query, for text PostgreSQL
// cannot hold: a NUL or a lone surrogate), no data, and nothing changed.
let h: ApiHarness;
let A: string;
let secretName: string;
let project: string;

beforeAll(async () => {
  ({ h, A } = await attackWorkspaces());
  secretName = uniqueName('payroll');
  project = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'full_access' }], secretName);
}, 60_000);
afterAll(() => h?.close());

const hostile = (real: string): unknown[] => [
  "prj_' or '1'='1",
  `${real}' --`,
  `${real}'); delete from project_grants; --`,
  `${real} `,
  ` ${real}`,
  real.toUpperCase(),
  `${real.slice(0, -1)}%`,
  `${real.slice(0, -1)}_`,
  'prj_%',
  '*',
  `prj_\u202e${real.slice(4)}`,
  `${real}\u200b`,
  'prj_\ud800',
  'prj_😀ünï',
  `prj_${'a'.repeat(1_000_000)}`,
  42,
  null,
  { $ne: '' },
  [real],
];

describe('hostile project ids into every project-scoped procedure', () => {
  it('give NOT_FOUND, return none of the project, and change nothing, for the Editor who holds Full access on it', async () => {
    const editor = await h.as(h.a, 'editor');
    const cell = await sqlCellIn(h, h.a, project, h.a.connectionId);
    const before = await tenantCounts(h);
    for (const id of hostile(project)) {
      const projectId = id as string;
      const calls = [
        () => editor.projects.get({ projectId }),
        () => editor.sharing.get({ projectId }),
        () =>
          editor.sharing.share({
            projectId,
            target: { kind: 'group', groupId: 'public' },
            permission: 'full_access',
          }),
        () => editor.sharing.shareWithWeb({ projectId, enabled: true }),
        () => editor.runs.start({ projectId, cellId: cell, source: 'select 1' }),
        () => editor.projects.deleteCell({ projectId, cellId: cell }),
      ];
      const unstorable = typeof id === 'string' && !id.isWellFormed();
      for (const call of calls) {
        const refused = await refusal(call());
        expect(refused, String(id).slice(0, 60)).toMatchObject(
          unstorable
            ? { code: 'BAD_REQUEST', quarry: 'input.invalid' }
            : { code: 'NOT_FOUND', quarry: 'not_found.project' },
        );
        expect(refused.text).not.toContain(secretName);
      }
    }
    expect(await tenantCounts(h)).toEqual(before);
    // The real id still opens: the refusals were about the ids.
    expect(await editor.projects.get({ projectId: project })).toMatchObject({ name: secretName });
  });

  it('a NUL in the id is refused as invalid input before any query', async () => {
    const refused = await refusal((await h.as(h.a, 'editor')).projects.get({ projectId: `${project}\0` }));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', quarry: 'input.invalid' });
  });
});

describe('hostile ids straight into the loader', () => {
  it('in any of workspace, user and project, read no member and no project', async () => {
    const real = { workspaceId: A, userId: h.a.users.editor.id, projectId: project };
    for (const key of ['workspaceId', 'userId', 'projectId'] as const) {
      for (const id of hostile(real[key]).filter((v): v is string => typeof v === 'string')) {
        const loaded = await loadMemberProjectFacts(h.database.db, { ...real, [key]: id });
        expect(loaded.facts, `${key}=${id.slice(0, 40)}`).toBeNull();
        if (key !== 'projectId') expect(loaded.member).toBeNull();
      }
    }
  });
});

describe("connection ids that lead the gate to another workspace's project", () => {
  it("B's project connection, and A's connection whose project_id names B's project, are NOT_FOUND to A's Admin", async () => {
    const admin = await h.as(h.a, 'admin');
    const projectB = await projectIn(h, h.b);
    const ofB = await connectionOf(h, h.b, { scope: 'project', projectId: projectB });
    const strayA = await connectionOf(h, h.a, { scope: 'project', projectId: projectB });
    for (const connectionId of [ofB, strayA]) {
      const refused = await refusal(admin.connections.get({ connectionId }));
      expect(refused).toMatchObject({ code: 'NOT_FOUND', quarry: 'not_found.connection' });
    }
  });

  it("importing B's connection into A's project is refused and links nothing", async () => {
    const admin = await h.as(h.a, 'admin');
    const refused = await refusal(
      admin.connections.importIntoProject({ projectId: project, connectionId: h.b.connectionId }),
    );
    expect(refused.code).toBe('NOT_FOUND');
    const links = await h.database.db
      .select()
      .from(projectConnections)
      .where(eq(projectConnections.connectionId, h.b.connectionId));
    expect(links.map((l) => l.projectId)).toEqual([h.b.projectId]);
  });
});
