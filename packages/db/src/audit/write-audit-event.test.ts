import { createHash } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids';
import { auditEvents } from '../schema/index';
import { createTestDatabase, type TestDatabase } from '../testing/index';
import { GENESIS_HASH, hashAuditEntry } from './hash-chain';
import { verifyAuditChain } from './verify-audit-chain';
import { type AuditEvent, appendAuditEvent, writeAuditEvent } from './write-audit-event';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

const eventFor = (workspaceId: string | null, n: number): AuditEvent => ({
  workspaceId,
  actorId: 'usr_aaaaaaaaaaaaaaaa',
  action: 'project.rename',
  target: { type: 'project', id: `prj_${String(n).padStart(16, 'a')}` },
  outcome: 'success',
  ip: '203.0.113.9',
  requestId: `req-${n}`,
  details: { n, nested: { z: 1, a: [3, 2, 1] } },
});

/** Writes `count` events, one transaction each, on the chain of `workspaceId`. */
async function writeEvents(workspaceId: string | null, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) {
    await database.db.transaction((tx) => writeAuditEvent(tx, eventFor(workspaceId, n)));
  }
}

function rowsOf(chain: string) {
  return database.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.chain, chain))
    .orderBy(asc(auditEvents.seq));
}

describe('writeAuditEvent', () => {
  it('numbers the entries of a chain 1..n and links each to the hash of the one before', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 6);

    const rows = await rowsOf(workspaceId);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
    for (const row of rows) expect(row.hash).toBe(hashAuditEntry(row));
    expect(new Set(rows.map((r) => r.hash)).size).toBe(6);
  });

  it('stores every field it was given', async () => {
    const workspaceId = newId('workspace');
    const at = new Date('2030-01-02T03:04:05.678Z');
    await database.db.transaction((tx) => writeAuditEvent(tx, eventFor(workspaceId, 7), at));

    const [row] = await rowsOf(workspaceId);
    expect(row).toMatchObject({
      chain: workspaceId,
      seq: 1,
      at,
      actorId: 'usr_aaaaaaaaaaaaaaaa',
      action: 'project.rename',
      targetType: 'project',
      targetId: `prj_${'7'.padStart(16, 'a')}`,
      outcome: 'success',
      ip: '203.0.113.9',
      requestId: 'req-7',
      details: { n: 7, nested: { z: 1, a: [3, 2, 1] } },
    });
  });

  it('puts events without a workspace on the system chain, independent of workspace chains', async () => {
    const first = newId('workspace');
    const second = newId('workspace');
    await writeEvents(first, 3);
    await writeEvents(null, 2);
    await writeEvents(second, 4);
    await writeEvents(first, 1);

    expect((await rowsOf(first)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect((await rowsOf(second)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect((await rowsOf('system')).map((r) => r.seq)).toEqual([1, 2]);
    expect((await rowsOf(second))[0]?.prevHash).toBe(GENESIS_HASH);

    expect(await verifyAuditChain(database.db, first)).toEqual({ entries: 4, break: null });
    expect(await verifyAuditChain(database.db, second)).toEqual({ entries: 4, break: null });
    expect(await verifyAuditChain(database.db, 'system')).toEqual({ entries: 2, break: null });

    // Tampering with one chain leaves the others intact.
    await database.sql`update audit_events set action = 'forged' where chain = ${first} and seq = 2`;
    expect(await verifyAuditChain(database.db, first)).toEqual({
      entries: 4,
      break: { seq: 2, problem: 'altered' },
    });
    expect(await verifyAuditChain(database.db, second)).toEqual({ entries: 4, break: null });
    expect(await verifyAuditChain(database.db, 'system')).toEqual({ entries: 2, break: null });
  });

  it('keeps seq 1..20 and an intact chain under 20 concurrent writers', async () => {
    const workspaceId = newId('workspace');

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        database.db.transaction((tx) => writeAuditEvent(tx, eventFor(workspaceId, i + 1))),
      ),
    );

    const rows = await rowsOf(workspaceId);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(20);
    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({ entries: 20, break: null });
  });

  it('writes an entry made with its change only when the change was made, in the same statement', async () => {
    const workspaceId = newId('workspace');
    await database.sql`create table if not exists audited_things (id text primary key, state text)`;
    await database.sql`insert into audited_things values (${workspaceId}, 'open')`;
    const close = sql`update audited_things set state = 'closed' where id = ${workspaceId} and state = 'open' returning id`;
    const event = { ...eventFor(workspaceId, 1), action: 'thing.close' };
    await appendAuditEvent(database.db, event, new Date(), { after: close });
    // The same change again changes nothing: no entry.
    await appendAuditEvent(database.db, { ...event, requestId: 'req-again' }, new Date(), { after: close });
    const rows = await rowsOf(workspaceId);
    expect(rows.map((r) => [r.seq, r.requestId])).toEqual([[1, 'req-1']]);
    expect(await database.sql`select state from audited_things where id = ${workspaceId}`).toEqual([
      { state: 'closed' },
    ]);
    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({ entries: 1, break: null });
  });

  it('catches up a head that a writer of an earlier version left behind, instead of failing on a taken seq', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 2);
    // As the writer before heads did: the newest entry read, the next one hashed and linked to it,
    // the head not moved.
    const [newest] = await rowsOf(workspaceId).then((rows) => rows.slice(-1));
    const entry = {
      chain: workspaceId,
      seq: 3,
      at: new Date('2026-11-02T00:00:00.000Z'),
      actorId: 'usr_old',
      action: 'project.rename',
      targetType: null,
      targetId: null,
      outcome: 'success',
      ip: null,
      requestId: 'req-old',
      details: null,
      prevHash: newest?.hash ?? '',
    };
    await database.sql`
      insert into audit_events (chain, seq, created_at, actor_id, action, outcome, request_id, prev_hash, hash)
      values (${workspaceId}, 3, ${entry.at.toISOString()}, ${entry.actorId}, ${entry.action}, ${entry.outcome},
        ${entry.requestId}, ${entry.prevHash}, ${hashAuditEntry(entry)})`;

    await writeAuditEvent(database.db, eventFor(workspaceId, 4));
    await writeAuditEvent(database.db, eventFor(workspaceId, 5));

    const rows = await rowsOf(workspaceId);
    expect(rows.map((r) => [r.seq, r.requestId])).toEqual([
      [1, 'req-1'],
      [2, 'req-2'],
      [3, 'req-old'],
      [4, 'req-4'],
      [5, 'req-5'],
    ]);
    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({ entries: 5, break: null });
  });

  it('never reports a break on a chain appended to while it is verified', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 50);
    let writing = true;
    const writers = [0, 1, 2].map(async (w) => {
      for (let n = 51 + w; writing; n += 3) await writeAuditEvent(database.db, eventFor(workspaceId, n));
    });
    try {
      const breaks = [];
      for (let i = 0; i < 100; i += 1) breaks.push((await verifyAuditChain(database.db, workspaceId)).break);
      expect(breaks.filter((b) => b !== null)).toEqual([]);
    } finally {
      writing = false;
      await Promise.all(writers);
    }
  });

  it('keeps the chain whole when lone appends race appends inside longer transactions, and one rolls back', async () => {
    const workspaceId = newId('workspace');
    const writers = Array.from({ length: 24 }, (_, i) => {
      const event = eventFor(workspaceId, i + 1);
      if (i % 3 === 0) return writeAuditEvent(database.db, event);
      return database.db
        .transaction(async (tx) => {
          await writeAuditEvent(tx, event);
          // Holds the chain's head past the append, as a change recorded before its commit does.
          await tx.execute(sql`select pg_sleep(0.02)`);
          if (i === 4) throw new Error('rolled back');
        })
        .catch((error: unknown) => {
          if (!(error instanceof Error) || error.message !== 'rolled back') throw error;
        });
    });
    await Promise.all(writers);

    const rows = await rowsOf(workspaceId);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(rows.map((r) => r.requestId)).not.toContain('req-5');
    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({ entries: 23, break: null });
    const [head] = await database.sql<{ seq: number; hash: string }[]>`
      select seq, hash from audit_chain_heads where chain = ${workspaceId}`;
    expect(head).toEqual({ seq: 23, hash: rows.at(-1)?.hash });
  });
});

describe('the hash the database takes', () => {
  // Entries whose text is awkward to encode: the database fills seq and prev_hash into the text the
  // client encoded and hashes it; the result must be hashAuditEntry's, byte for byte.
  const awkward: Record<string, unknown>[] = [
    { quote: 'he said "no" \\ then \u0001 left', newline: 'a\nb\r\tc' },
    { emoji: '🧾📈', rtl: 'שלום \u202e evil', combining: 'é', cjk: '数据' },
    { z: 1, a: { y: [1, { d: 2, c: 3 }], b: null }, m: [true, false, 0.1, -2e-7, 12345678901234] },
    { sep: '\u2028\u2029', dollar: "$1 ' || pg_sleep(1) --", empty: '' },
  ];

  it("is hashAuditEntry's for every entry, whatever its details hold, and the chain verifies", async () => {
    const workspaceId = newId('workspace');
    for (const [n, details] of awkward.entries()) {
      await database.db.transaction((tx) =>
        writeAuditEvent(tx, { ...eventFor(workspaceId, n), details, ip: null, requestId: null }),
      );
    }
    await database.db.transaction((tx) =>
      writeAuditEvent(tx, { workspaceId, actorId: null, action: 'bare', outcome: 'refused' }),
    );
    const rows = await rowsOf(workspaceId);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const row of rows) expect(row.hash).toBe(hashAuditEntry(row));
    expect(rows.map((r) => r.details)).toEqual([...awkward, null]);
    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({ entries: 5, break: null });
  });

  it('is the SHA-256 of the whole entry as one JSON array, as chains written before were hashed', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 3);
    for (const row of await rowsOf(workspaceId)) {
      const sorted = (value: unknown): unknown =>
        Array.isArray(value)
          ? value.map(sorted)
          : value && typeof value === 'object'
            ? Object.fromEntries(
                Object.keys(value)
                  .sort()
                  .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
              )
            : value;
      const whole = JSON.stringify([
        row.chain,
        row.seq,
        row.at.toISOString(),
        row.actorId,
        row.action,
        row.targetType,
        row.targetId,
        row.outcome,
        row.ip,
        row.requestId,
        sorted(row.details ?? null),
        row.prevHash,
      ]);
      expect(row.hash).toBe(createHash('sha256').update(whole).digest('hex'));
    }
  });
});

describe('verifyAuditChain', () => {
  it('reports no break on an intact chain', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 5);

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({ entries: 5, break: null });
  });

  it('reports no break on an empty chain', async () => {
    expect(await verifyAuditChain(database.db, newId('workspace'))).toEqual({ entries: 0, break: null });
  });

  it('hashes details independently of key order, which jsonb does not keep', async () => {
    const workspaceId = newId('workspace');
    await database.db.transaction((tx) =>
      writeAuditEvent(tx, {
        workspaceId,
        actorId: null,
        action: 'connection.update',
        outcome: 'success',
        details: { zeta: 1, alpha: { yy: [{ b: 2, a: 1 }], aa: null }, longer_key: 'x', b: true },
      }),
    );

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({ entries: 1, break: null });
  });

  it.each([
    ['action', `update audit_events set action = 'project.delete' where chain = $1 and seq = 3`],
    ['details', `update audit_events set details = '{"n": 99}'::jsonb where chain = $1 and seq = 3`],
    ['outcome', `update audit_events set outcome = 'failure' where chain = $1 and seq = 3`],
    ['actor', `update audit_events set actor_id = 'usr_bbbbbbbbbbbbbbbb' where chain = $1 and seq = 3`],
    [
      'time',
      `update audit_events set created_at = created_at - interval '1 day' where chain = $1 and seq = 3`,
    ],
  ])('names the entry whose %s was changed as altered', async (_field, statement) => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 5);

    await database.sql.unsafe(statement, [workspaceId]);

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 5,
      break: { seq: 3, problem: 'altered' },
    });
  });

  it('names the seq of a deleted middle entry as missing', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 5);

    await database.sql`delete from audit_events where chain = ${workspaceId} and seq = 3`;

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 4,
      break: { seq: 3, problem: 'missing' },
    });
  });

  it('detects a deleted middle entry even when the later ones were renumbered to close the gap', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 5);

    await database.sql`delete from audit_events where chain = ${workspaceId} and seq = 3`;
    // Through negative seqs, so no row meets the unique (chain, seq) on the way, in any row order.
    await database.sql`update audit_events set seq = -seq where chain = ${workspaceId} and seq > 3`;
    await database.sql`update audit_events set seq = -seq - 1 where chain = ${workspaceId} and seq < 0`;

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 4,
      break: { seq: 3, problem: 'broken_link' },
    });
  });

  it('detects a forged entry inserted in the middle with its own valid hash and the later ones renumbered', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 5);
    const before = await rowsOf(workspaceId);
    const second = before[1];
    if (!second) throw new Error('chain has no second entry');

    // A forger who knows the hashing scheme: makes room at seq 3, links the forgery to entry 2.
    await database.sql`update audit_events set seq = seq + 1000 where chain = ${workspaceId} and seq >= 3`;
    await database.sql`update audit_events set seq = seq - 999 where chain = ${workspaceId} and seq >= 1000`;
    const forged = {
      chain: workspaceId,
      seq: 3,
      at: new Date(second.at.getTime() + 1),
      actorId: 'usr_forgerforgerforg',
      action: 'workspace.grant_admin',
      targetType: 'user',
      targetId: 'usr_forgerforgerforg',
      outcome: 'success',
      ip: null,
      requestId: null,
      details: null,
      prevHash: second.hash,
    };
    await database.db.insert(auditEvents).values({ ...forged, hash: hashAuditEntry(forged) });

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 6,
      break: { seq: 4, problem: 'broken_link' },
    });
  });

  it('detects an entry whose hash was recomputed after its content changed', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 4);
    const [, entry] = await rowsOf(workspaceId);
    if (!entry) throw new Error('chain has no second entry');

    const rewritten = { ...entry, action: 'project.delete' };
    await database.db
      .update(auditEvents)
      .set({ action: rewritten.action, hash: hashAuditEntry(rewritten) })
      .where(eq(auditEvents.id, entry.id));

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 4,
      break: { seq: 3, problem: 'broken_link' },
    });
  });

  it('detects the removal of the newest entries through the chain head', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 5);

    await database.sql`delete from audit_events where chain = ${workspaceId} and seq >= 4`;

    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 3,
      break: { seq: 4, problem: 'missing' },
    });
  });

  it('detects the removal of every entry of a chain through its head', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 2);
    await database.sql`delete from audit_events where chain = ${workspaceId}`;
    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 0,
      break: { seq: 1, problem: 'missing' },
    });
  });

  it('detects a newest entry replaced by a validly hashed forgery through the chain head', async () => {
    const workspaceId = newId('workspace');
    await writeEvents(workspaceId, 3);
    const [second] = await database.sql<{ hash: string }[]>`
      select hash from audit_events where chain = ${workspaceId} and seq = 2`;
    const forged = {
      chain: workspaceId,
      seq: 3,
      at: new Date('2026-11-01T00:00:00.000Z'),
      actorId: 'usr_forger',
      action: 'project.rename',
      targetType: null,
      targetId: null,
      outcome: 'success',
      ip: null,
      requestId: null,
      details: null,
      prevHash: second?.hash ?? '',
    };
    await database.sql`
      update audit_events set actor_id = ${forged.actorId}, created_at = ${forged.at.toISOString()},
        target_type = null, target_id = null, ip = null, request_id = null, details = null,
        hash = ${hashAuditEntry(forged)}
      where chain = ${workspaceId} and seq = 3`;
    expect(await verifyAuditChain(database.db, workspaceId)).toEqual({
      entries: 3,
      break: { seq: 3, problem: 'altered' },
    });
  });
});
