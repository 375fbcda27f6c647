import { randomUUID } from 'node:crypto';
import { projectSecrets, secrets } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

const secretName = (what: string) => `${what}_${randomUUID().slice(0, 8)}`;

describe('shared secrets under concurrency', () => {
  it('keeps secret names unique when creates and renames race, answering losers with secrets.name_taken', async () => {
    const admin = await h.as(h.a, 'admin');
    const name = secretName('race');
    const existing = await admin.secrets.create({ name: secretName('old'), value: randomUUID() });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 4 }, () => admin.secrets.create({ name, value: randomUUID() })),
      admin.secrets.update({ secretId: existing.id, name, groupsWithAccess: ['workspace'] }),
    ]);
    const rows = await h.database.db
      .select({ id: secrets.id })
      .from(secrets)
      .where(and(eq(secrets.workspaceId, h.a.workspaceId), eq(secrets.name, name)));
    expect(rows).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect((await refusal(Promise.reject(outcome.reason))).quarry).toBe('secrets.name_taken');
      }
    }
  });

  it('ends a delete racing an import with the secret gone, no import left, and no internal error', async () => {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    for (let round = 0; round < 10; round++) {
      const secret = await admin.secrets.create({ name: secretName('gone'), value: randomUUID() });
      const outcomes = await Promise.allSettled([
        editor.secrets.importIntoProject({ projectId, secretId: secret.id }),
        admin.secrets.delete({ secretId: secret.id }),
      ]);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect((await refusal(Promise.reject(outcome.reason))).code, `round ${round}`).not.toBe(
            'INTERNAL_SERVER_ERROR',
          );
        }
      }
      expect(await h.database.db.select().from(secrets).where(eq(secrets.id, secret.id))).toEqual([]);
      expect(
        await h.database.db.select().from(projectSecrets).where(eq(projectSecrets.secretId, secret.id)),
      ).toEqual([]);
    }
  });

  it('imports a secret once when the same Editor imports it twice at once', async () => {
    const admin = await h.as(h.a, 'admin');
    const editor = await h.as(h.a, 'editor');
    const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
    const secret = await admin.secrets.create({ name: secretName('twice'), value: randomUUID() });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () => editor.secrets.importIntoProject({ projectId, secretId: secret.id })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect((await refusal(Promise.reject(outcome.reason))).quarry).toBe('secrets.already_imported');
      }
    }
    expect(
      await h.database.db.select().from(projectSecrets).where(eq(projectSecrets.secretId, secret.id)),
    ).toHaveLength(1);
  });
});
