import { afterAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditEntry } from './audit/hash-chain';
import { verifyAuditChain } from './audit/verify-audit-chain';
import { writeAuditEvent } from './audit/write-audit-event';
import { createDb } from './client';
import { runMigrations } from './migrate';
import type { TestDatabase } from './testing/index';
import { databaseMigratedBefore } from './testing/migrated-before';

let database: TestDatabase | undefined;

afterAll(async () => {
  await database?.drop();
});

describe('the audit chain heads migration', () => {
  it("takes each chain's newest entry as its head, so the next entry links to it and the chain verifies", async () => {
    database = await databaseMigratedBefore('0018_audit_chain_heads');
    // Two entries as the writer before heads stored them: hashed by the client, linked by hand.
    let prevHash = GENESIS_HASH;
    for (const seq of [1, 2]) {
      const entry = {
        chain: 'wsp_old',
        seq,
        at: new Date(`2026-11-0${seq}T10:00:00.000Z`),
        actorId: 'usr_old',
        action: 'project.rename',
        targetType: 'project',
        targetId: 'prj_old',
        outcome: 'success',
        ip: null,
        requestId: null,
        details: { seq },
        prevHash,
      };
      const hash = hashAuditEntry(entry);
      await database.sql`
        insert into audit_events (chain, seq, created_at, actor_id, action, target_type, target_id,
          outcome, details, prev_hash, hash)
        values (${entry.chain}, ${seq}, ${entry.at.toISOString()}, ${entry.actorId}, ${entry.action},
          ${entry.targetType}, ${entry.targetId}, ${entry.outcome}, ${JSON.stringify(entry.details)}::jsonb,
          ${prevHash}, ${hash})`;
      prevHash = hash;
    }

    await runMigrations(database.url);

    const { db, close } = createDb(database.url);
    try {
      await writeAuditEvent(db, {
        workspaceId: 'wsp_old',
        actorId: 'usr_old',
        action: 'run.start',
        outcome: 'success',
      });
      await writeAuditEvent(db, {
        workspaceId: 'wsp_new',
        actorId: 'usr_new',
        action: 'run.start',
        outcome: 'success',
      });
      const rows = await database.sql<{ chain: string; seq: number; prev_hash: string }[]>`
        select chain, seq, prev_hash from audit_events order by chain, seq`;
      expect(rows.map((r) => [r.chain, r.seq])).toEqual([
        ['wsp_new', 1],
        ['wsp_old', 1],
        ['wsp_old', 2],
        ['wsp_old', 3],
      ]);
      expect(rows.find((r) => r.chain === 'wsp_old' && r.seq === 3)?.prev_hash).toBe(prevHash);
      expect(rows.find((r) => r.chain === 'wsp_new')?.prev_hash).toBe(GENESIS_HASH);
      expect(await verifyAuditChain(db, 'wsp_old')).toEqual({ entries: 3, break: null });
      expect(await verifyAuditChain(db, 'wsp_new')).toEqual({ entries: 1, break: null });
    } finally {
      await close();
    }
  });
});
