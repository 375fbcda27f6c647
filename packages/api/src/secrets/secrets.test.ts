import { randomUUID } from 'node:crypto';
import { auditEvents, projectSecrets, secrets, secretValueContext } from '@quarry/db/schema';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../members/testing/member-helpers';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import type { Meta } from '../trpc';
import { secretsRouter } from './router';

type AnyCaller = { secrets: Record<string, (input?: unknown) => Promise<unknown>> };

let h: ApiHarness;
let dataTeam: string;
/** Every value stored in this file: none may appear in a response, an error or an audit entry. */
const values: string[] = [];
const newValue = () => {
  const value = `value-${randomUUID()}`;
  values.push(value);
  return value;
};

/** The answer as JSON, after checking it carries no stored value in any form. */
function withoutValues<T>(answer: T): T {
  const text = JSON.stringify(answer);
  for (const value of values) expect(text).not.toContain(value);
  return answer;
}

const call = (caller: unknown, name: string, input?: unknown) =>
  (caller as AnyCaller).secrets[name]?.(input) ?? Promise.reject(new Error(`no procedure secrets.${name}`));

async function refused(promise: Promise<unknown>) {
  const answer = await refusal(promise);
  return withoutValues(answer);
}

const rowOf = async (secretId: string) => {
  const [row] = await h.database.db.select().from(secrets).where(eq(secrets.id, secretId));
  if (!row) throw new Error(`no secret row ${secretId}`);
  return row;
};

/** Everything the secrets procedures can change in workspace A, to prove a refusal changed nothing. */
const stateOfA = async () => ({
  secrets: await h.database.db
    .select()
    .from(secrets)
    .where(eq(secrets.workspaceId, h.a.workspaceId))
    .orderBy(secrets.id),
  imports: await h.database.db
    .select()
    .from(projectSecrets)
    .where(eq(projectSecrets.workspaceId, h.a.workspaceId))
    .orderBy(projectSecrets.secretId),
  audit: await h.database.db
    .select({ seq: auditEvents.seq })
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, h.a.workspaceId), like(auditEvents.action, 'secret.%'))),
});

const secretAudit = (targetId: string, action: string) =>
  h.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.targetId, targetId), eq(auditEvents.action, action)))
    .orderBy(auditEvents.seq);

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  const admin = await h.as(h.a, 'admin');
  dataTeam = (await admin.groups.create({ name: 'Data team' })).id;
  await admin.groups.addMember({ groupId: dataTeam, userId: h.a.users.manager.id });
});
afterAll(() => h?.close());
afterEach(async () => {
  await h.database.db.delete(secrets);
});

/** Two secrets of A: one for the Workspace group, one for the Data team (the Editor is not in it). */
async function secretsOfA() {
  const admin = await h.as(h.a, 'admin');
  const shared = await admin.secrets.create({ name: 'SHARED_TOKEN', value: newValue() });
  const restricted = await admin.secrets.create({
    name: 'RESTRICTED_TOKEN',
    value: newValue(),
    groupsWithAccess: [dataTeam],
  });
  return { admin, shared, restricted };
}

describe('the secrets procedures', () => {
  it('declare workspace:member for the list, workspace:admin to manage, project:edit inside a project', () => {
    const declared = Object.fromEntries(
      Object.entries(secretsRouter).map(([name, p]) => [name, (p._def.meta as Meta).permission]),
    );
    expect(declared).toEqual({
      list: 'workspace:member',
      create: 'workspace:admin',
      update: 'workspace:admin',
      delete: 'workspace:admin',
      usage: 'workspace:admin',
      importIntoProject: 'project:edit',
      removeFromProject: 'project:edit',
      forProject: 'project:edit',
    });
  });
});

describe('refusals', () => {
  /** Every procedure that changes or reveals more than the list, with A's ids. */
  const adminOnly = (secretId: string): Array<[string, unknown]> => [
    ['create', { name: 'SHADOW', value: newValue() }],
    ['update', { secretId, name: 'RENAMED', value: newValue(), groupsWithAccess: ['public'] }],
    ['delete', { secretId }],
    ['usage', { secretId }],
  ];
  const inProject = (secretId: string): Array<[string, unknown]> => [
    ['importIntoProject', { projectId: h.a.projectId, secretId }],
    ['removeFromProject', { projectId: h.a.projectId, secretId }],
    ['forProject', { projectId: h.a.projectId }],
  ];

  it.each(['viewer', 'guest'] as const)(
    'refuse a %s every Admin procedure and every project procedure, and change nothing',
    async (role) => {
      const { admin, shared } = await secretsOfA();
      await admin.secrets.importIntoProject({ projectId: h.a.projectId, secretId: shared.id });
      const before = await stateOfA();
      const caller = await h.as(h.a, role);
      for (const [name, input] of adminOnly(shared.id)) {
        expect(await refused(call(caller, name, input)), `secrets.${name}`).toMatchObject({
          code: 'FORBIDDEN',
          quarry: 'access.role_not_allowed',
        });
      }
      // The fixture shares A's project at Can edit with Workspace (a Viewer is capped at Can view)
      // and at Can view with guests.
      for (const [name, input] of inProject(shared.id)) {
        expect(await refused(call(caller, name, input)), `secrets.${name}`).toMatchObject({
          code: 'FORBIDDEN',
          quarry: expect.stringMatching(/^access\./),
        });
      }
      expect(await stateOfA()).toEqual(before);
    },
  );

  it("list only the secrets shared with a Viewer's groups, and none to a Guest by default", async () => {
    const { shared } = await secretsOfA();
    const viewer = await h.as(h.a, 'viewer');
    expect(withoutValues(await viewer.secrets.list())).toEqual([
      expect.objectContaining({ id: shared.id, name: 'SHARED_TOKEN', canManage: false }),
    ]);
    const guest = await h.as(h.a, 'guest');
    expect(await guest.secrets.list()).toEqual([]);
  });

  it("refuse an Editor outside a secret's groups its import (naming it), and hide it from their list", async () => {
    const { shared, restricted } = await secretsOfA();
    const editor = await h.as(h.a, 'editor');
    expect((await editor.secrets.list()).map((s) => s.name)).toEqual(['SHARED_TOKEN']);
    for (const [name, input] of adminOnly(restricted.id)) {
      expect(await refused(call(editor, name, input)), `secrets.${name}`).toMatchObject({
        code: 'FORBIDDEN',
        quarry: 'access.role_not_allowed',
      });
    }
    const before = await stateOfA();
    expect(
      await refused(editor.secrets.importIntoProject({ projectId: h.a.projectId, secretId: restricted.id })),
    ).toEqual({
      code: 'FORBIDDEN',
      quarry: 'access.no_asset_access',
      message: "You have no access to secret 'RESTRICTED_TOKEN'",
    });
    expect(await stateOfA()).toEqual(before);

    // Once an Admin imports it, the Editor is down to Can view on the project: no project procedure.
    const admin = await h.as(h.a, 'admin');
    await admin.secrets.importIntoProject({ projectId: h.a.projectId, secretId: restricted.id });
    const imported = await stateOfA();
    for (const [name, input] of inProject(shared.id)) {
      expect(await refused(call(editor, name, input)), `secrets.${name}`).toMatchObject({
        code: 'FORBIDDEN',
        quarry: 'access.downgraded_no_asset_access',
        message: "Downgraded to Can view: no access to secret 'RESTRICTED_TOKEN'",
      });
    }
    expect(await stateOfA()).toEqual(imported);
  });

  it("tell workspace B's Admin holding A's ids that they do not exist, and change nothing", async () => {
    const { admin, shared } = await secretsOfA();
    await admin.secrets.importIntoProject({ projectId: h.a.projectId, secretId: shared.id });
    const before = await stateOfA();
    const other = await h.as(h.b, 'admin');
    expect(await other.secrets.list()).toEqual([]);
    for (const [name, input] of adminOnly(shared.id).filter(([n]) => n !== 'create')) {
      expect(await refused(call(other, name, input)), `secrets.${name}`).toMatchObject({
        code: 'NOT_FOUND',
        quarry: 'not_found.secret',
      });
    }
    for (const [name, input] of inProject(shared.id)) {
      expect(await refused(call(other, name, input)), `secrets.${name}`).toMatchObject({
        code: 'NOT_FOUND',
        quarry: 'not_found.project',
      });
    }
    // In B's own project, A's secret is just as unknown.
    for (const name of ['importIntoProject', 'removeFromProject']) {
      expect(
        await refused(call(other, name, { projectId: h.b.projectId, secretId: shared.id })),
        `secrets.${name}`,
      ).toMatchObject({ code: 'NOT_FOUND', quarry: 'not_found.secret' });
    }
    // A's custom group cannot be given access to B's secret.
    expect(
      await refused(
        other.secrets.create({ name: 'B_TOKEN', value: newValue(), groupsWithAccess: [dataTeam] }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND', quarry: 'not_found.group' });
    expect(await stateOfA()).toEqual(before);
  });

  it('refuse an anonymous caller every procedure', async () => {
    const anonymous = await h.anonymous();
    for (const [name, input] of [
      ['list', undefined] as [string, unknown],
      ...adminOnly('sec_nonexistent'),
      ...inProject('sec_nonexistent'),
    ]) {
      expect(await refused(call(anonymous, name, input)), `secrets.${name}`).toMatchObject({
        code: 'UNAUTHORIZED',
        quarry: 'auth.signed_out',
      });
    }
  });
});

describe('values are write-only', () => {
  it('seals the value: the raw row and the audit entry hold no trace of it, and only the vault opens it', async () => {
    const admin = await h.as(h.a, 'admin');
    const value = newValue();
    const created = withoutValues(await admin.secrets.create({ name: 'API_KEY', value }));
    expect(created).toMatchObject({ name: 'API_KEY', groupsWithAccess: ['workspace'], usageCount: 0 });
    const row = await rowOf(created.id);
    expect(row.value.includes(Buffer.from(value))).toBe(false);
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      expect(row.value.toString('latin1')).not.toContain(Buffer.from(value).toString(encoding));
    }
    const [raw] = await h.database.sql`select value::text as text from secrets where id = ${created.id}`;
    expect(String(raw?.text)).not.toContain(Buffer.from(value).toString('hex'));
    expect(h.vault.openText(row.value, secretValueContext(h.a.workspaceId, created.id))).toEqual({
      ok: true,
      value,
    });
    const [entry] = await secretAudit(created.id, 'secret.create');
    expect(entry?.details).toEqual({
      before: null,
      after: { name: 'API_KEY', groupsWithAccess: ['workspace'] },
    });
    withoutValues(await admin.secrets.list());
    withoutValues(await admin.audit.list({}));
  });

  it('keeps the stored value when an update leaves it blank or out, and replaces it when given', async () => {
    const admin = await h.as(h.a, 'admin');
    const first = newValue();
    const { id } = await admin.secrets.create({ name: 'DB_PASSWORD', value: first });
    const context = secretValueContext(h.a.workspaceId, id);
    const opened = async () => h.vault.openText((await rowOf(id)).value, context);

    const blank = await admin.secrets.update({
      secretId: id,
      name: 'DB_PASSWORD_2',
      value: '',
      groupsWithAccess: [dataTeam, dataTeam],
    });
    expect(withoutValues(blank)).toMatchObject({ name: 'DB_PASSWORD_2', groupsWithAccess: [dataTeam] });
    expect(await opened()).toEqual({ ok: true, value: first });
    await admin.secrets.update({ secretId: id, name: 'DB_PASSWORD_2', groupsWithAccess: ['workspace'] });
    expect(await opened()).toEqual({ ok: true, value: first });

    const second = newValue();
    withoutValues(
      await admin.secrets.update({
        secretId: id,
        name: 'DB_PASSWORD_2',
        value: second,
        groupsWithAccess: ['workspace'],
      }),
    );
    expect(await opened()).toEqual({ ok: true, value: second });

    const entries = await secretAudit(id, 'secret.update');
    expect(entries.map((e) => (e.details as { valueReplaced: boolean }).valueReplaced)).toEqual([
      false,
      false,
      true,
    ]);
    expect(entries[0]?.details).toEqual({
      before: { name: 'DB_PASSWORD', groupsWithAccess: ['workspace'] },
      after: { name: 'DB_PASSWORD_2', groupsWithAccess: [dataTeam] },
      valueReplaced: false,
    });
    withoutValues(entries);
  });

  it('does not open a sealed value moved to another secret’s row, in this workspace or another', async () => {
    const admin = await h.as(h.a, 'admin');
    const { id: from } = await admin.secrets.create({ name: 'MOVED_FROM', value: newValue() });
    const { id: to } = await admin.secrets.create({ name: 'MOVED_TO', value: newValue() });
    const other = await h.as(h.b, 'admin');
    const { id: inB } = await other.secrets.create({ name: 'MOVED_FROM', value: newValue() });
    const sealed = (await rowOf(from)).value;
    await h.database.db.update(secrets).set({ value: sealed }).where(eq(secrets.id, to));
    await h.database.db.update(secrets).set({ value: sealed }).where(eq(secrets.id, inB));

    const movedHere = h.vault.openText((await rowOf(to)).value, secretValueContext(h.a.workspaceId, to));
    const movedToB = h.vault.openText((await rowOf(inB)).value, secretValueContext(h.b.workspaceId, inB));
    for (const result of [movedHere, movedToB]) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('vault.tampered');
    }
    // The original still opens where it belongs.
    expect(h.vault.openText(sealed, secretValueContext(h.a.workspaceId, from)).ok).toBe(true);
  });

  it('refuses a taken name without echoing the value, in create and in a rename', async () => {
    const admin = await h.as(h.a, 'admin');
    await admin.secrets.create({ name: 'TAKEN', value: newValue() });
    const { id } = await admin.secrets.create({ name: 'OTHER', value: newValue() });
    const before = await stateOfA();
    expect(await refused(admin.secrets.create({ name: 'TAKEN', value: newValue() }))).toEqual({
      code: 'CONFLICT',
      quarry: 'secrets.name_taken',
      message: "A secret named 'TAKEN' already exists in this workspace",
    });
    expect(
      await refused(
        admin.secrets.update({
          secretId: id,
          name: 'TAKEN',
          value: newValue(),
          groupsWithAccess: ['workspace'],
        }),
      ),
    ).toMatchObject({ code: 'CONFLICT', quarry: 'secrets.name_taken' });
    expect(await stateOfA()).toEqual(before);
    // Input refusals name the field, never echo the value beside it.
    for (const bad of [
      { name: '1 not an identifier', value: newValue() },
      { name: 'LONG', value: newValue().repeat(1000) },
    ]) {
      expect(await refused(admin.secrets.create(bad))).toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(await stateOfA()).toEqual(before);
    // Two Admins racing for one name: one wins, the other is told why, nobody gets a server error.
    const racers = await Promise.allSettled(
      Array.from({ length: 4 }, () => admin.secrets.create({ name: 'RACED', value: newValue() })),
    );
    expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const loser of racers.filter((r) => r.status === 'rejected')) {
      expect(await refused(Promise.reject(loser.reason))).toMatchObject({ quarry: 'secrets.name_taken' });
    }
    // Another workspace may use the name.
    const other = await h.as(h.b, 'admin');
    expect((await other.secrets.create({ name: 'TAKEN', value: newValue() })).name).toBe('TAKEN');
  });
});

describe('importing, usage and deletion', () => {
  it('lets an Editor import a secret shared with them, list it in the project and take it out again', async () => {
    const { shared } = await secretsOfA();
    const editor = await h.as(h.a, 'editor');
    expect(await editor.secrets.importIntoProject({ projectId: h.a.projectId, secretId: shared.id })).toEqual(
      {
        id: shared.id,
        name: 'SHARED_TOKEN',
      },
    );
    expect(await editor.secrets.forProject({ projectId: h.a.projectId })).toEqual([
      { id: shared.id, name: 'SHARED_TOKEN' },
    ]);
    expect(
      await refused(editor.secrets.importIntoProject({ projectId: h.a.projectId, secretId: shared.id })),
    ).toMatchObject({ code: 'CONFLICT', quarry: 'secrets.already_imported' });
    const [imported] = await secretAudit(shared.id, 'secret.import');
    expect(imported).toMatchObject({
      actorId: h.a.users.editor.id,
      details: { projectId: h.a.projectId, name: 'SHARED_TOKEN' },
    });

    expect(await editor.secrets.removeFromProject({ projectId: h.a.projectId, secretId: shared.id })).toEqual(
      {
        removed: true,
      },
    );
    expect(await editor.secrets.forProject({ projectId: h.a.projectId })).toEqual([]);
    expect(
      await refused(editor.secrets.removeFromProject({ projectId: h.a.projectId, secretId: shared.id })),
    ).toMatchObject({ code: 'NOT_FOUND', quarry: 'not_found.secret' });
    expect(await secretAudit(shared.id, 'secret.remove_from_project')).toHaveLength(1);
  });

  it('lists the projects using a secret, then deletion removes it from every one and audits the list', async () => {
    const { admin, shared } = await secretsOfA();
    const copy = await admin.sharing.duplicate({ projectId: h.a.projectId, name: 'Second project' });
    await admin.secrets.importIntoProject({ projectId: h.a.projectId, secretId: shared.id });
    await admin.secrets.importIntoProject({ projectId: copy.projectId, secretId: shared.id });
    const usage = [
      { projectId: h.a.projectId, name: 'Fixture project' },
      { projectId: copy.projectId, name: 'Second project' },
    ];
    expect(await admin.secrets.usage({ secretId: shared.id })).toEqual(usage);
    expect((await admin.secrets.list()).find((s) => s.id === shared.id)?.usageCount).toBe(2);

    expect(await admin.secrets.delete({ secretId: shared.id })).toEqual({ removedFromProjects: 2 });
    expect(
      await h.database.db.select().from(projectSecrets).where(eq(projectSecrets.secretId, shared.id)),
    ).toEqual([]);
    expect(await h.database.db.select().from(secrets).where(eq(secrets.id, shared.id))).toEqual([]);
    const [entry] = await secretAudit(shared.id, 'secret.delete');
    expect(entry).toMatchObject({
      actorId: h.a.users.admin.id,
      details: { before: { name: 'SHARED_TOKEN', groupsWithAccess: ['workspace'] }, usage },
    });
    expect(await refused(admin.secrets.delete({ secretId: shared.id }))).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.secret',
    });
  });

  it('lets an Admin import a secret whatever its groups: Admins inherit access to every asset', async () => {
    const { admin, restricted } = await secretsOfA();
    await admin.secrets.importIntoProject({ projectId: h.a.projectId, secretId: restricted.id });
    expect(await admin.secrets.forProject({ projectId: h.a.projectId })).toEqual([
      { id: restricted.id, name: 'RESTRICTED_TOKEN' },
    ]);
  });
});
