import { randomUUID } from 'node:crypto';
import { loadMemberActor, loadProjectsFacts } from '@quarry/db/access-facts';
import { connections, projectSecrets, secrets } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing/harness';

/**
 * A shared secret imported into a project is a workspace asset of it: whoever is outside the
 * secret's groups cannot edit the project (the seed's "downgraded to Can view"), and the engine's
 * reason names the secret. The facts come from `loadProjectsFacts`, so these tests go through it.
 */
let h: ApiHarness;
let dataTeam: string;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  const admin = await h.as(h.a, 'admin');
  dataTeam = (await admin.groups.create({ name: 'Data team' })).id;
  await admin.groups.addMember({ groupId: dataTeam, userId: h.a.users.manager.id });
});
afterAll(() => h?.close());
afterEach(async () => {
  await h.database.db.delete(secrets);
  await h.database.db
    .update(connections)
    .set({ groupsWithAccess: ['workspace'], canQuery: null })
    .where(eq(connections.id, h.a.connectionId));
  const admin = await h.as(h.a, 'admin');
  await admin.sharing.share({
    projectId: h.a.projectId,
    target: { kind: 'user', userId: h.a.users.guest.id },
    permission: 'none',
  });
});

async function importedSecret(input: { name: string; groupsWithAccess?: string[] }) {
  const admin = await h.as(h.a, 'admin');
  const secret = await admin.secrets.create({ ...input, value: `value-${randomUUID()}` });
  await admin.secrets.importIntoProject({ projectId: h.a.projectId, secretId: secret.id });
  return secret;
}

const projectAs = async (role: 'editor' | 'manager' | 'guest' | 'admin') =>
  (await h.as(h.a, role)).projects.get({ projectId: h.a.projectId });

describe("a project's imported secrets in its permission facts", () => {
  it('loads each imported secret as an asset with its groups, and never its value', async () => {
    const secret = await importedSecret({ name: 'WAREHOUSE_TOKEN', groupsWithAccess: [dataTeam] });
    const actor = await loadMemberActor(h.database.db, {
      workspaceId: h.a.workspaceId,
      userId: h.a.users.editor.id,
    });
    if (!actor) throw new Error('the fixture Editor is a member');
    const facts = await loadProjectsFacts(h.database.db, {
      workspaceId: h.a.workspaceId,
      projectIds: [h.a.projectId],
      actor,
    });
    expect(facts.get(h.a.projectId)?.assets).toEqual([
      { kind: 'connection', id: h.a.connectionId, name: 'warehouse', groupsWithAccess: ['workspace'] },
      { kind: 'secret', id: secret.id, name: 'WAREHOUSE_TOKEN', groupsWithAccess: [dataTeam] },
    ]);
  });

  it("downgrades an Editor outside the secret's groups to Can view, with the reason naming the secret", async () => {
    expect((await projectAs('editor')).permission).toBe('can_edit');
    await importedSecret({ name: 'WAREHOUSE_TOKEN', groupsWithAccess: [dataTeam] });
    const project = await projectAs('editor');
    expect(project.permission).toBe('can_view');
    expect(project.reasons).toEqual([
      {
        code: 'access.downgraded_no_asset_access',
        message: "Downgraded to Can view: no access to secret 'WAREHOUSE_TOKEN'",
      },
    ]);
    // A member of the group keeps Can edit, and an Admin inherits access to every asset.
    expect((await projectAs('manager')).permission).toBe('can_edit');
    expect((await projectAs('admin')).permission).toBe('full_access');
  });

  it('downgrades a Guest with Can edit by default: the Workspace group leaves guests out', async () => {
    // The connection is opened to guests, so only the secret stands in their way.
    await h.database.db
      .update(connections)
      .set({
        groupsWithAccess: ['workspace', 'workspace_guests'],
        canQuery: ['workspace', 'workspace_guests'],
      })
      .where(eq(connections.id, h.a.connectionId));
    const admin = await h.as(h.a, 'admin');
    await admin.sharing.share({
      projectId: h.a.projectId,
      target: { kind: 'user', userId: h.a.users.guest.id },
      permission: 'can_edit',
    });
    expect((await projectAs('guest')).permission).toBe('can_edit');

    await importedSecret({ name: 'DEFAULT_GROUPS' });
    const project = await projectAs('guest');
    expect(project.permission).toBe('can_view');
    expect(project.reasons).toEqual([
      expect.objectContaining({
        code: 'access.downgraded_no_asset_access',
        message: "Downgraded to Can view: no access to secret 'DEFAULT_GROUPS'",
      }),
    ]);
    // Shared with Workspace guests too, the secret no longer stands in the way.
    const [secret] = await h.database.db.select().from(secrets).where(eq(secrets.name, 'DEFAULT_GROUPS'));
    await admin.secrets.update({
      secretId: secret?.id ?? '',
      name: 'DEFAULT_GROUPS',
      groupsWithAccess: ['workspace', 'workspace_guests'],
    });
    expect((await projectAs('guest')).permission).toBe('can_edit');
  });

  it('fails closed: a link row that claims another workspace still restricts the project it names', async () => {
    const other = await h.as(h.b, 'admin');
    const foreign = await other.secrets.create({ name: 'STRAY', value: `value-${randomUUID()}` });
    await h.database.db
      .update(secrets)
      .set({ groupsWithAccess: [dataTeam] })
      .where(eq(secrets.id, foreign.id));
    await h.database.db.insert(projectSecrets).values({
      projectId: h.a.projectId,
      secretId: foreign.id,
      workspaceId: h.b.workspaceId,
      importedBy: h.b.users.admin.id,
    });
    const project = await projectAs('editor');
    expect(project.permission).toBe('can_view');
    expect(project.reasons.map((r) => r.message)).toEqual([
      "Downgraded to Can view: no access to secret 'STRAY'",
    ]);
  });

  it('shows an Editor outside an imported secret’s groups at Can view in the share dialog, naming the secret', async () => {
    await importedSecret({ name: 'WAREHOUSE_TOKEN', groupsWithAccess: [dataTeam] });
    const admin = await h.as(h.a, 'admin');
    const sharing = await admin.sharing.get({ projectId: h.a.projectId });
    const editor = sharing.entries.find(
      (e) => e.target.kind === 'user' && e.target.userId === h.a.users.editor.id,
    );
    expect(editor).toMatchObject({
      effective: 'can_view',
      reasons: [expect.objectContaining({ message: expect.stringContaining("secret 'WAREHOUSE_TOKEN'") })],
    });
  });
});
