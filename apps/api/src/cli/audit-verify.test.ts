import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeAuditEvent } from '@quarry/db/audit';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  for (const action of ['auth.sign_in', 'token.create', 'project.share', 'run.start']) {
    await database.db.transaction((tx) =>
      writeAuditEvent(tx, { workspaceId: 'wsp_cli', actorId: null, action, outcome: 'success' }),
    );
  }
  await database.db.transaction((tx) =>
    writeAuditEvent(tx, { workspaceId: null, actorId: null, action: 'auth.sign_in', outcome: 'failure' }),
  );
});
afterAll(() => database?.drop());

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: database.url },
  });

describe('quarry audit verify', () => {
  it('reports every chain intact and exits 0', () => {
    const result = cli('audit', 'verify');
    expect(result.stdout).toContain('✓ wsp_cli: 4 entries, chain intact');
    expect(result.stdout).toContain('✓ system: 1 entries, chain intact');
    expect(result.status).toBe(0);
  });

  it('names the first altered entry and exits 1', async () => {
    await database.sql`update audit_events set action = 'token.revoke' where chain = 'wsp_cli' and seq = 2`;
    const result = cli('audit', 'verify', '--workspace', 'wsp_cli');
    expect(result.stdout).toContain('✗ wsp_cli: 4 entries, entry 2 was altered');
    expect(result.status).toBe(1);
  });

  it('names a deleted entry', async () => {
    await database.sql`delete from audit_events where chain = 'wsp_cli' and seq = 3`;
    const result = cli('audit', 'verify', '--workspace', 'wsp_cli');
    expect(result.stdout).toMatch(/entry 2 was altered|entry 3 was deleted/);
    expect(result.status).toBe(1);
  });

  it('names a chain whose newest entries, or all of them, were deleted, from its head', async () => {
    await database.sql`delete from audit_events where chain = 'system'`;
    const result = cli('audit', 'verify');
    expect(result.stdout).toContain('✗ system: 0 entries, entry 1 was deleted');
    expect(result.status).toBe(1);
  });

  it('says so when the database holds no Quarry schema', async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), 'audit', 'verify'],
        {
          encoding: 'utf8',
          env: { ...process.env, DATABASE_URL: empty.url },
        },
      );
      expect(result.stderr).toContain('no Quarry schema yet');
      expect(result.status).toBe(2);
    } finally {
      await empty.drop();
    }
  });

  it('explains its usage for an unknown command', () => {
    const result = cli('audit', 'fix');
    expect(result.stderr).toContain('usage: quarry audit verify');
    expect(result.status).toBe(2);
  });
});
