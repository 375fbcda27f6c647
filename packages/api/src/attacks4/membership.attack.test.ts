import { randomUUID } from 'node:crypto';
import { createSession } from '@quarry/auth';
import { projectConnections, workspaceMembers } from '@quarry/db/schema';
import { joinWorkspace } from '@quarry/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../auth/session-cookie';
import { groupIn, projectIn, refusal, exampleSettings as settings, uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { projectConnection, rawConnection, workspaceConnection } from './attack-kit';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

/** A caller whose session is bound to `workspaceId`. */
async function sessionIn(userId: string, workspaceId: string) {
  const { token } = await createSession(h.database.db, { userId, workspaceId });
  return (await h.callerWithHeaders(new Headers({ cookie: `${sessionCookieName(false)}=${token}` }))).caller;
}

describe('one person in two workspaces (AUTH-9)', () => {
  it("gives B's Admin, who is only an Editor in A, nothing of an Admin in A, and nothing of A from a session in B", async () => {
    // B's Admin joins A as an Editor.
    const person = h.b.users.admin;
    await joinWorkspace(h.database.db, { userId: person.id, workspaceId: h.a.workspaceId, role: 'editor' });
    const wsConn = await workspaceConnection(h, h.a);
    const before = await rawConnection(h, wsConn.id);
    const inA = await sessionIn(person.id, h.a.workspaceId);
    for (const [name, attempt] of [
      ['get', () => inA.connections.get({ connectionId: wsConn.id })],
      [
        'update',
        () =>
          inA.connections.update({
            connectionId: wsConn.id,
            name: wsConn.name,
            settings: settings({ host: 'attacker.example.net' }),
          }),
      ],
      ['setDefault', () => inA.connections.setDefault({ connectionId: wsConn.id })],
      [
        'updatePermissions',
        () =>
          inA.connections.updatePermissions({
            connectionId: wsConn.id,
            groupsWithAccess: ['public'],
            canQuery: ['public'],
            canViewResults: null,
            canRefreshSchema: 'can_query',
          }),
      ],
      [
        'create',
        () =>
          inA.connections.create({
            name: uniqueName('x'),
            kind: 'postgres',
            settings: settings(),
            secrets: {},
          }),
      ],
      [
        'secrets.create',
        () => inA.secrets.create({ name: `x_${randomUUID().slice(0, 6)}`, value: randomUUID() }),
      ],
    ] as Array<[string, () => Promise<unknown>]>) {
      expect((await refusal(attempt())).code, name).toBe('FORBIDDEN');
    }
    const inB = await sessionIn(person.id, h.b.workspaceId);
    expect((await refusal(inB.connections.get({ connectionId: wsConn.id }))).code).toBe('NOT_FOUND');
    expect((await refusal(inB.connections.delete({ connectionId: wsConn.id }))).code).toBe('NOT_FOUND');
    expect(await rawConnection(h, wsConn.id)).toEqual(before);
    await h.database.db
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.userId, person.id), eq(workspaceMembers.workspaceId, h.a.workspaceId)));
  });

  it('refuses, on its next call, an Editor whose session outlived their Can edit (a group change downgrading them)', async () => {
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const own = await projectConnection(h, h.a, 'editor', projectId);
    const editor = await h.as(h.a, 'editor');
    expect((await editor.connections.get({ connectionId: own.id })).id).toBe(own.id);
    // With the session still open, an Admin imports a connection restricted to a group without them.
    const groupId = await groupIn(h, h.a, [h.a.users.manager.id], uniqueName('g'));
    const restricted = await workspaceConnection(h, h.a);
    const admin = await h.as(h.a, 'admin');
    await admin.connections.updatePermissions({
      connectionId: restricted.id,
      groupsWithAccess: [groupId],
      canQuery: null,
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });
    await admin.connections.importIntoProject({ projectId, connectionId: restricted.id });
    expect((await refusal(editor.connections.get({ connectionId: own.id }))).code).toBe('FORBIDDEN');
    expect(
      (
        await refusal(
          editor.connections.test({
            connectionId: own.id,
            settings: settings({ host: 'attacker.example.net' }),
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });
});

describe('deletion racing an import', () => {
  /** Ten rounds of an Editor importing a workspace connection while an Admin deletes it. */
  async function race() {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const internal: string[] = [];
    const leftovers: string[] = [];
    for (let round = 0; round < 10; round++) {
      const target = await workspaceConnection(h, h.a);
      const outcomes = await Promise.allSettled([
        editor.connections.importIntoProject({ projectId, connectionId: target.id }),
        admin.connections.delete({ connectionId: target.id }),
      ]);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          const refused = await refusal(Promise.reject(outcome.reason));
          if (refused.code === 'INTERNAL_SERVER_ERROR') internal.push(`round ${round}`);
        }
      }
      const links = await h.database.db
        .select()
        .from(projectConnections)
        .where(eq(projectConnections.connectionId, target.id));
      if ((await rawConnection(h, target.id)) !== undefined || links.length > 0)
        leftovers.push(`round ${round}`);
    }
    return { internal, leftovers };
  }

  it('ends with the connection gone and no import left behind', async () => {
    expect((await race()).leftovers).toEqual([]);
  });

  it('answers the import that lost the race with a typed error, not an internal one', async () => {
    // importConnection reads the connection outside its transaction, then inserts the import; a
    // delete committing in between makes the insert break the foreign key: a 500, where the
    // caller should hear that the connection no longer exists (robustness, no data exposed).
    expect((await race()).internal).toEqual([]);
  });
});
