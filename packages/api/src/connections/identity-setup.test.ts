import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal, exampleSettings as settings, uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

async function workspaceConnection(username = 'quarry_reader') {
  const admin = await h.as(h.a, 'admin');
  return admin.connections.create({
    name: uniqueName('identity'),
    kind: 'postgres',
    settings: { ...settings(), username },
    secrets: { password: randomUUID() },
  });
}

describe('connections.identitySetup (CONN-5)', () => {
  it("gives an Admin the install for the connection's login role, a key template without any key, and a sample policy", async () => {
    const created = await workspaceConnection();
    const admin = await h.as(h.a, 'admin');
    const setup = await admin.connections.identitySetup({ connectionId: created.id });
    expect(setup.schema).toBe('quarry_identity');
    expect(setup.installSql).toContain('"quarry_reader"');
    expect(setup.keySqlTemplate).toContain(`:'${setup.keyVariable}'`);
    expect(setup.keySqlTemplate).toContain(`'${h.a.workspaceId}'`);
    // No 64-hex key anywhere: the key is the Admin's, pasted into the connection, never shown back.
    expect(JSON.stringify(setup)).not.toMatch(/[0-9a-f]{64}/);
    expect(setup.samplePolicySql).toContain('create policy');
  });

  it('refuses an Editor, and answers not found for another workspace, changing nothing', async () => {
    const created = await workspaceConnection();
    const editor = await h.as(h.a, 'editor');
    expect((await refusal(editor.connections.identitySetup({ connectionId: created.id }))).code).toBe(
      'FORBIDDEN',
    );
    const stranger = await h.as(h.b, 'admin');
    expect(await refusal(stranger.connections.identitySetup({ connectionId: created.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses a login role it could not name safely in SQL, rather than splice it', async () => {
    const created = await workspaceConnection('reader"; drop role x; --');
    const admin = await h.as(h.a, 'admin');
    expect(await refusal(admin.connections.identitySetup({ connectionId: created.id }))).toMatchObject({
      quarry: 'connections.invalid_settings',
    });
  });
});
