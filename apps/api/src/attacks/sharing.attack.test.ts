import { type ApiHarness, createApiHarness } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signInOverHttp, startAttackApi } from './attack-helpers';

/**
 * Sharing escalation through the real HTTP API. The fixture project in A belongs to A's Admin and
 * is shared with the Workspace group at Can edit and with Workspace guests at Can view.
 */
let h: ApiHarness;
let api: Awaited<ReturnType<typeof startAttackApi>>;
const cookies: Record<string, string> = {};
const SQL = 'select 1 as one';

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startAttackApi(h);
  for (const role of ['admin', 'manager', 'editor', 'explorer', 'viewer', 'guest'] as const)
    cookies[role] = await signInOverHttp(api.url, { email: h.a.users[role].email });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const grants = async () =>
  h.database.sql<{ user_id: string | null; group_id: string | null; permission: string }[]>`
    select user_id, group_id, permission from project_grants where project_id = ${h.a.projectId}
    order by coalesce(user_id, group_id)`;

const share = (who: string, target: unknown, permission: string, projectId = h.a.projectId) =>
  call(api.url, 'sharing.share', { projectId, target, permission }, { cookie: cookies[who] ?? '' });

describe('sharing escalation', () => {
  it('a Can edit holder cannot reach Public through sharing.share, in any spelling', async () => {
    const before = await grants();
    for (const groupId of ['public', 'PUBLIC', ' public', 'public ', 'Public', 'public\u0000']) {
      for (const permission of ['can_view', 'can_edit']) {
        const answer = await share('editor', { kind: 'group', groupId }, permission);
        expect({ groupId, permission, ok: answer.status === 200 }).toEqual({
          groupId,
          permission,
          ok: false,
        });
      }
    }
    const web = await call(
      api.url,
      'sharing.shareWithWeb',
      { projectId: h.a.projectId, enabled: true },
      { cookie: cookies.editor ?? '' },
    );
    expect(web.status).not.toBe(200);
    expect(await grants()).toEqual(before);
  });

  it('a Can edit holder cannot remove or downgrade a Full access holder (user or group), nor grant Full access', async () => {
    const admin = cookies.admin ?? '';
    const group = await call<{ id: string }>(api.url, 'groups.create', { name: 'Owners' }, { cookie: admin });
    const groupId = group.data?.id ?? '';
    expect((await share('admin', { kind: 'user', userId: h.a.users.manager.id }, 'full_access')).status).toBe(
      200,
    );
    expect((await share('admin', { kind: 'group', groupId }, 'full_access')).status).toBe(200);
    const before = await grants();

    const answers = [
      await share('editor', { kind: 'user', userId: h.a.users.manager.id }, 'none'),
      await share('editor', { kind: 'user', userId: h.a.users.manager.id }, 'can_view'),
      await share('editor', { kind: 'group', groupId }, 'none'),
      await share('editor', { kind: 'group', groupId }, 'can_explore'),
      await share('editor', { kind: 'user', userId: h.a.users.explorer.id }, 'full_access'),
      await share('editor', { kind: 'group', groupId: 'workspace' }, 'full_access'),
    ];
    expect(answers.map((a) => a.status === 200)).toEqual(answers.map(() => false));
    expect(await grants()).toEqual(before);
  });

  it('a Guest holding Can edit cannot duplicate the project (no project-creation role)', async () => {
    // The share dialog refuses Can edit for a Guest without the connection; the row is what matters.
    await h.database.sql`
      insert into project_grants (id, workspace_id, project_id, user_id, permission)
      values ('grant_guestedit000000', ${h.a.workspaceId}, ${h.a.projectId}, ${h.a.users.guest.id}, 'can_edit')`;
    try {
      const dup = await call(
        api.url,
        'sharing.duplicate',
        { projectId: h.a.projectId, name: 'mine now' },
        { cookie: cookies.guest ?? '' },
      );
      expect(dup.status, dup.text).not.toBe(200);
    } finally {
      await h.database.sql`delete from project_grants where id = 'grant_guestedit000000'`;
    }
  });

  it('Can view holders see the app only: no SQL in projects.get or projects.list, no sharing.get', async () => {
    for (const who of ['viewer', 'guest'] as const) {
      const cookie = cookies[who] ?? '';
      const got = await call(api.url, 'projects.get', { projectId: h.a.projectId }, { cookie, query: true });
      const list = await call(api.url, 'projects.list', undefined, { cookie, query: true });
      const sharing = await call(
        api.url,
        'sharing.get',
        { projectId: h.a.projectId },
        { cookie, query: true },
      );
      const conns = await call(api.url, 'connections.list', undefined, { cookie, query: true });
      expect({
        who,
        get: got.status,
        sqlInGet: got.text.includes(SQL),
        sqlInList: list.text.includes(SQL),
        sharing: sharing.status === 200,
        warehouseInConnections: conns.text.includes(h.warehouse.reader.database),
      }).toEqual({
        who,
        get: 200,
        sqlInGet: false,
        sqlInList: false,
        sharing: false,
        warehouseInConnections: false,
      });
    }
  });

  it("a Can view holder cannot read another member's run (its SQL and rows)", async () => {
    const run = await call<{ id: string }>(
      api.url,
      'runs.start',
      { projectId: h.a.projectId, cellId: h.a.cellId, source: `${SQL} -- secret literal 4242` },
      { cookie: cookies.editor ?? '' },
    );
    expect(run.status, run.text).toBe(200);
    const runId = run.data?.id ?? '';
    for (const who of ['viewer', 'guest', 'explorer', 'manager'] as const) {
      const got = await call(api.url, 'runs.get', { runId }, { cookie: cookies[who] ?? '', query: true });
      expect({ who, status: got.status, leak: got.text.includes('4242') }).toEqual({
        who,
        status: 404,
        leak: false,
      });
    }
    const viewer = await call(
      api.url,
      'projects.get',
      { projectId: h.a.projectId },
      { cookie: cookies.viewer ?? '', query: true },
    );
    expect(viewer.text).not.toContain('4242');
  });
});
