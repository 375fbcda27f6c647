import { newId } from '@quarry/db';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuarryTRPCError } from './errors';
import { appRouter } from './router';
import { type ApiHarness, createApiHarness } from './testing/harness';

/**
 * Every procedure of the router, called as four callers who must not get through: an anonymous
 * caller, workspace B's Admin holding workspace A's ids, and A's Viewer and Guest. A procedure
 * added without a row here fails the first test, so nothing ships unexamined.
 *
 * Outcomes: UNAUTHORIZED / FORBIDDEN / NOT_FOUND are the refusals expected; `gate` means the gate
 * lets this caller through (their own account, their own workspace's data, or a public procedure).
 */
type Outcome = 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'gate';
type Row = {
  input: () => unknown;
  anonymous: Outcome;
  otherWorkspace: Outcome;
  viewer: Outcome;
  guest: Outcome;
};

let h: ApiHarness;
const ids = { groupId: '', inviteId: '', runId: '', providerId: 'sso_nonexistent', secretId: '' };

const own = { anonymous: 'UNAUTHORIZED', otherWorkspace: 'gate', viewer: 'gate', guest: 'gate' } as const;
const admin = {
  anonymous: 'UNAUTHORIZED',
  otherWorkspace: 'gate',
  viewer: 'FORBIDDEN',
  guest: 'FORBIDDEN',
} as const;
/** Admin-only, naming one of A's rows: B's Admin is told it does not exist. */
const adminOf = {
  anonymous: 'UNAUTHORIZED',
  otherWorkspace: 'NOT_FOUND',
  viewer: 'FORBIDDEN',
  guest: 'FORBIDDEN',
} as const;
/** Project-scoped: the fixture shares A's project at Can edit with Workspace (Viewer capped at Can view) and Can view with guests. */
const viewProject = {
  anonymous: 'UNAUTHORIZED',
  otherWorkspace: 'NOT_FOUND',
  viewer: 'gate',
  guest: 'gate',
} as const;
const editProject = {
  anonymous: 'UNAUTHORIZED',
  otherWorkspace: 'NOT_FOUND',
  viewer: 'FORBIDDEN',
  guest: 'FORBIDDEN',
} as const;
/** A run is its owner's (the Editor's) alone. */
const runOwner = {
  anonymous: 'UNAUTHORIZED',
  otherWorkspace: 'NOT_FOUND',
  viewer: 'NOT_FOUND',
  guest: 'NOT_FOUND',
} as const;
/** My own account, naming a record that does not exist: the service says so after the gate. */
const ownMissing = {
  anonymous: 'UNAUTHORIZED',
  otherWorkspace: 'NOT_FOUND',
  viewer: 'NOT_FOUND',
  guest: 'NOT_FOUND',
} as const;
/** Can query on A's connection: the Workspace group by default, which holds the Viewer but not the Guest. */
const canQueryOf = {
  anonymous: 'UNAUTHORIZED',
  otherWorkspace: 'NOT_FOUND',
  viewer: 'gate',
  guest: 'FORBIDDEN',
} as const;
const open = { anonymous: 'gate', otherWorkspace: 'gate', viewer: 'gate', guest: 'gate' } as const;

const project = () => ({ projectId: h.a.projectId });
const MATRIX: Record<string, Row> = {
  'auth.signIn': { input: () => ({ email: 'nobody@example.test', password: 'wrong password' }), ...open },
  'auth.signOut': { input: () => undefined, ...own },
  'auth.me': { input: () => undefined, ...own },
  'auth.workspaces': { input: () => undefined, ...own },
  'auth.switchWorkspace': { input: () => ({ workspaceId: 'wsp_nonexistent' }), ...ownMissing },
  'sessions.list': { input: () => undefined, ...own },
  'sessions.revoke': { input: () => ({ sessionId: 'nosuchsession' }), ...ownMissing },
  'sessions.signOutEverywhere': { input: () => undefined, ...own },
  'sessions.changePassword': {
    input: () => ({ currentPassword: 'wrong', newPassword: `new ${crypto.randomUUID()}` }),
    ...own,
  },
  'tokens.create': { input: () => ({ name: 'matrix' }), ...own },
  'tokens.list': { input: () => undefined, ...own },
  'tokens.revoke': { input: () => ({ tokenId: 'tok_nope' }), ...ownMissing },
  'members.list': { input: () => undefined, ...admin },
  'members.changeRole': { input: () => ({ userId: h.a.users.editor.id, role: 'viewer' }), ...adminOf },
  'members.deactivate': { input: () => ({ userId: h.a.users.editor.id }), ...adminOf },
  'members.reactivate': { input: () => ({ userId: h.a.users.editor.id }), ...adminOf },
  'members.remove': { input: () => ({ userId: h.a.users.editor.id }), ...adminOf },
  'groups.list': { input: () => undefined, ...admin },
  'groups.options': { input: () => undefined, ...own },
  'groups.create': { input: () => ({ name: 'Matrix' }), ...admin },
  'groups.rename': { input: () => ({ groupId: ids.groupId, name: 'Renamed' }), ...adminOf },
  'groups.delete': { input: () => ({ groupId: ids.groupId }), ...adminOf },
  'groups.addMember': { input: () => ({ groupId: ids.groupId, userId: h.a.users.viewer.id }), ...adminOf },
  'groups.removeMember': { input: () => ({ groupId: ids.groupId, userId: h.a.users.editor.id }), ...adminOf },
  'invites.create': { input: () => ({ email: 'matrix@example.test', role: 'editor' }), ...admin },
  'invites.list': { input: () => undefined, ...admin },
  'invites.revoke': { input: () => ({ inviteId: ids.inviteId }), ...adminOf },
  'invites.preview': { input: () => ({ token: 'inv_nope.nosecretatall' }), ...open },
  'invites.accept': {
    input: () => ({ token: 'inv_nope.nosecretatall', name: 'X', password: 'password123' }),
    ...open,
  },
  'invites.join': { input: () => ({ token: 'inv_nope.nosecretatall', password: 'password123' }), ...open },
  'sso.signInOptions': { input: () => ({ workspaceId: h.a.workspaceId }), ...open },
  'sso.listProviders': { input: () => undefined, ...admin },
  'sso.createProvider': {
    input: () => ({
      kind: 'oidc',
      name: 'x',
      issuer: 'http://127.0.0.1:1',
      clientId: 'x',
      clientSecret: 'y',
    }),
    ...admin,
  },
  'sso.deleteProvider': { input: () => ({ providerId: ids.providerId }), ...adminOf },
  'sso.getSettings': { input: () => undefined, ...admin },
  'sso.updateSettings': {
    input: () => ({ allowedEmailDomains: [], defaultRole: 'viewer', ssoRequired: false }),
    ...admin,
  },
  'projects.list': { input: () => undefined, ...own },
  'projects.get': { input: project, ...viewProject },
  'projects.updateCell': {
    input: () => ({ ...project(), cellId: h.a.cellId, source: 'select 2' }),
    ...editProject,
  },
  'projects.addCell': {
    input: () => ({ ...project(), kind: 'markdown', afterCellId: null }),
    ...editProject,
  },
  'projects.moveCell': { input: () => ({ ...project(), cellId: h.a.cellId, position: 0 }), ...editProject },
  'projects.renameCell': {
    input: () => ({ ...project(), cellId: h.a.cellId, name: 'matrix' }),
    ...editProject,
  },
  'projects.deleteCell': { input: () => ({ ...project(), cellId: h.a.cellId }), ...editProject },
  'sharing.get': { input: project, ...editProject },
  'sharing.share': {
    input: () => ({ ...project(), target: { kind: 'group', groupId: 'public' }, permission: 'can_view' }),
    ...editProject,
  },
  'sharing.shareWithWeb': { input: () => ({ ...project(), enabled: true }), ...editProject },
  'sharing.setEditorsCanShare': { input: () => ({ ...project(), enabled: false }), ...editProject },
  'sharing.duplicate': { input: () => ({ ...project(), name: 'copy' }), ...editProject },
  'connections.kinds': { input: () => undefined, ...own },
  'connections.list': { input: () => undefined, ...own },
  'connections.get': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  // Incomplete settings: a caller the gate lets through is refused by validation, nothing is created.
  'connections.create': { input: () => ({ name: 'Matrix', kind: 'postgres', settings: {} }), ...admin },
  'connections.createForProject': {
    input: () => ({ ...project(), name: 'Matrix', kind: 'postgres', settings: {} }),
    ...editProject,
  },
  'connections.update': {
    input: () => ({ connectionId: h.a.connectionId, name: 'Matrix', settings: {} }),
    ...adminOf,
  },
  'connections.delete': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'connections.usage': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'connections.setDefault': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'connections.test': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'connections.forgetSshHostKey': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'connections.identitySetup': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'connections.setCachePolicy': {
    input: () => ({ connectionId: h.a.connectionId, ttlSeconds: null }),
    ...adminOf,
  },
  'connections.invalidateCache': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'connections.testNew': { input: () => ({ kind: 'postgres', settings: {} }), ...admin },
  'connections.testNewForProject': {
    input: () => ({ ...project(), kind: 'postgres', settings: {} }),
    ...editProject,
  },
  'connections.importIntoProject': {
    input: () => ({ ...project(), connectionId: h.a.connectionId }),
    ...editProject,
  },
  'connections.removeFromProject': {
    input: () => ({ ...project(), connectionId: h.a.connectionId }),
    ...editProject,
  },
  'connections.permissions': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  // Schema browsing: any member with Can query (the Viewer, through Workspace; not the Guest).
  'schema.browse': { input: () => ({ connectionId: h.a.connectionId }), ...canQueryOf },
  'schema.search': { input: () => ({ connectionId: h.a.connectionId, q: 'orders' }), ...canQueryOf },
  'schema.columns': {
    input: () => ({ connectionId: h.a.connectionId, tableId: 'stb_nosuchtable' }),
    ...canQueryOf,
    viewer: 'NOT_FOUND',
  },
  'schema.refresh': { input: () => ({ connectionId: h.a.connectionId }), ...canQueryOf },
  'schema.refreshStatus': { input: () => ({ refreshId: 'srf_nosuchrefresh' }), ...ownMissing },
  'schema.settings': { input: () => ({ connectionId: h.a.connectionId }), ...adminOf },
  'schema.updateSettings': {
    input: () => ({ connectionId: h.a.connectionId, cadence: 'off', filter: { include: [], exclude: [] } }),
    ...adminOf,
  },
  'connections.previewPermissions': {
    input: () => ({
      connectionId: h.a.connectionId,
      groupsWithAccess: ['workspace'],
      canQuery: null,
      canViewResults: null,
      canRefreshSchema: 'can_query',
    }),
    ...adminOf,
  },
  'connections.updatePermissions': {
    input: () => ({
      connectionId: h.a.connectionId,
      groupsWithAccess: ['workspace'],
      canQuery: null,
      canViewResults: null,
      canRefreshSchema: 'can_query',
    }),
    ...adminOf,
  },
  'connections.projectConnectionsSetting': { input: () => undefined, ...own },
  'connections.setProjectConnectionsEnabled': { input: () => ({ enabled: true }), ...admin },
  'secrets.list': { input: () => undefined, ...own },
  'secrets.create': { input: () => ({ name: 'MATRIX', value: crypto.randomUUID() }), ...admin },
  'secrets.update': {
    input: () => ({ secretId: ids.secretId, name: 'RENAMED', groupsWithAccess: ['workspace'] }),
    ...adminOf,
  },
  'secrets.delete': { input: () => ({ secretId: ids.secretId }), ...adminOf },
  'secrets.usage': { input: () => ({ secretId: ids.secretId }), ...adminOf },
  'secrets.importIntoProject': { input: () => ({ ...project(), secretId: ids.secretId }), ...editProject },
  'secrets.removeFromProject': { input: () => ({ ...project(), secretId: ids.secretId }), ...editProject },
  'secrets.forProject': { input: project, ...editProject },
  'runs.start': { input: () => ({ ...project(), cellId: h.a.cellId, source: 'select 2' }), ...editProject },
  'runs.query': { input: () => ({ ...project(), cellId: h.a.cellId, source: 'select 2' }), ...editProject },
  'runs.get': { input: () => ({ runId: ids.runId }), ...runOwner },
  'runs.events': { input: () => ({ runId: ids.runId }), ...runOwner },
  'runs.cancel': { input: () => ({ runId: ids.runId }), ...runOwner },
  'audit.list': { input: () => ({}), ...admin },
  'audit.export': { input: () => ({}), ...admin },
  'audit.verify': { input: () => undefined, ...admin },
  'operations.status': { input: () => undefined, ...admin },
  'operations.cancelRun': { input: () => ({ runId: ids.runId }), ...adminOf },
  'operations.retryDeadLetter': {
    input: () => ({ queue: 'run.execute.dead', jobId: '8d2b6f3e-1c4a-4e5b-9f70-2a1b3c4d5e6f' }),
    ...adminOf,
  },
  'operations.purgeDeadLetters': { input: () => ({ queue: 'run.execute.dead' }), ...admin },
  'workspace.capabilities': { input: () => undefined, ...own },
};

const paths = Object.keys(appRouter._def.procedures as Record<string, unknown>).sort();

async function outcomeOf(
  caller: unknown,
  path: string,
  input: unknown,
): Promise<{ outcome: Outcome; detail: string }> {
  const [domain, name] = path.split('.') as [string, string];
  const fn = (caller as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[domain]?.[name];
  if (!fn) throw new Error(`no procedure ${path}`);
  try {
    const result = await fn(input);
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      for await (const _ of result as AsyncIterable<unknown>) break;
    }
    return { outcome: 'gate', detail: 'ok' };
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const quarry = error instanceof QuarryTRPCError ? error.quarry.code : '';
    // A refusal by the gate carries its typed code; anything else happened after the gate let the caller in.
    const byGate =
      (error.code === 'UNAUTHORIZED' && quarry === 'auth.signed_out') ||
      (error.code === 'FORBIDDEN' && quarry.startsWith('access.')) ||
      (error.code === 'NOT_FOUND' && quarry.startsWith('not_found.'));
    return { outcome: byGate ? (error.code as Outcome) : 'gate', detail: `${error.code} ${quarry}` };
  }
}

beforeAll(async () => {
  h = await createApiHarness();
  const adminA = await h.as(h.a, 'admin');
  ids.groupId = (await adminA.groups.create({ name: 'Matrix group' })).id;
  ids.inviteId = (await adminA.invites.create({ email: 'pending@example.test', role: 'viewer' })).invite.id;
  ids.secretId = (await adminA.secrets.create({ name: 'MATRIX_SECRET', value: crypto.randomUUID() })).id;
  const editor = await h.as(h.a, 'editor');
  ids.runId = (
    await editor.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' })
  ).id;
  void newId;
});
afterAll(() => h?.close());

describe('every procedure against every caller who must not get through', () => {
  it('has a row for every procedure of the router', () => {
    expect(paths).toEqual(Object.keys(MATRIX).sort());
  });

  for (const who of ['anonymous', 'otherWorkspace', 'viewer', 'guest'] as const) {
    it(`gives ${who} exactly the refusals the rules call for`, async () => {
      const mismatches: string[] = [];
      for (const path of paths) {
        const row = MATRIX[path];
        if (!row) continue;
        // A fresh caller per call: some procedures end the caller's own session.
        const caller =
          who === 'anonymous'
            ? await h.anonymous()
            : who === 'otherWorkspace'
              ? await h.as(h.b, 'admin')
              : await h.as(h.a, who);
        const { outcome, detail } = await outcomeOf(caller, path, row.input());
        if (outcome !== row[who])
          mismatches.push(`${path}: expected ${row[who]}, got ${outcome} (${detail})`);
      }
      expect(mismatches).toEqual([]);
    });
  }
});
