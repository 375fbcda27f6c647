import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createCertificateAuthority, issueClientCertificate } from '@quarry/certificates';
import { createTestWarehouse, type TestWarehouse, testTlsServer } from '@quarry/db/testing';
import { EMPTY_ALLOW_LIST } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSessionPool, type PostgresSessionPool } from '../postgres/session-pool';
import type { Dialer } from '../registry/connector';
import type { PostgresConfig, StreamOptions } from '../types';
import {
  idleSessions,
  type RunOutcome,
  runCopy,
  runnerSessions,
  runOptions,
  settled,
  sleep,
} from './pool-attack-helpers';

// Runs whose connection settings or network policy differ must never get each other's kept
// sessions: each gets what a session of its own would give it (rows, or the refusal).
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;
let pool: PostgresSessionPool;
const otherLogin = `qa7_key_${randomBytes(4).toString('hex')}`;
const otherPassword = randomBytes(12).toString('hex');
const otherDatabase = () => `${warehouse.reader.database}_b`;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 20 });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  config = { ...warehouse.settings, password: warehouse.reader.password };
  await admin.unsafe(
    `create role ${otherLogin} login password '${otherPassword}';
     grant connect on database "${warehouse.reader.database}" to ${otherLogin}`,
  );
  await admin.unsafe(`create database "${otherDatabase()}" owner "${warehouse.reader.username}"`);
}, 60_000);

afterEach(async () => {
  await pool?.close();
});

afterAll(async () => {
  // Roles are the server's, not the database's: dropped while `admin` (on the warehouse) still works.
  await admin?.unsafe(`drop database if exists "${otherDatabase()}" with (force)`).catch(() => {});
  await admin
    ?.unsafe(
      `revoke connect on database "${warehouse.reader.database}" from ${otherLogin};
       drop role if exists ${otherLogin}`,
    )
    .catch(() => {});
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

const WHO = 'select current_user::text as u, current_database()::text as d';

/** The last event as compared between a fresh session and the pool: the end, or the error's code. */
const outcomeOf = (run: RunOutcome) =>
  run.last?.type === 'error' ? { error: run.last.error.code } : { rows: run.rows, last: run.last };

/**
 * Keeps a session of `config` in the pool, then runs WHO with `other` (and `extra` options): it
 * must give what it gives on a session of its own, and never take the kept one.
 */
async function comparedWithFresh(other: PostgresConfig, extra: Partial<StreamOptions> = {}) {
  const fresh = await runCopy(other, WHO, runOptions(undefined, extra));
  const kept = await runCopy(config, WHO, runOptions(pool));
  expect(kept.last).toMatchObject({ type: 'end' });
  await idleSessions(pool, 1);
  const pooled = await runCopy(other, WHO, runOptions(pool, extra));
  expect(outcomeOf(pooled)).toEqual(outcomeOf(fresh));
  expect(pooled.pid).not.toBe(kept.pid);
  expect(pool.stats().reused).toBe(0);
  return { fresh, pooled };
}

describe('sessions kept per connection settings and network policy', () => {
  it('never gives a session opened under `require` to a run under verify-full, whose own session the name check refuses', async () => {
    pool = createPostgresSessionPool();
    const { fresh } = await comparedWithFresh({ ...config, sslMode: 'verify-full' });
    expect(outcomeOf(fresh)).toEqual({ error: 'connector.tls_host_mismatch' });
  });

  it('never gives a kept session to a run that trusts another CA', async () => {
    pool = createPostgresSessionPool();
    const otherCa = await createCertificateAuthority('Not the warehouse CA');
    const { fresh } = await comparedWithFresh({ ...config, caCertificate: otherCa.certificate });
    expect(outcomeOf(fresh)).toEqual({ error: 'connector.tls_untrusted' });
  });

  it('never gives a certificate login’s kept session to a run with a forged certificate of the same name', async () => {
    pool = createPostgresSessionPool();
    const tls = testTlsServer();
    const certUser: PostgresConfig = {
      ...config,
      database: 'postgres',
      username: tls.client.user,
      password: '',
      clientCertificate: tls.client.certificate,
      clientKey: tls.client.privateKey,
    };
    const kept = await runCopy(certUser, WHO, runOptions(pool));
    expect(kept.rows).toEqual([[tls.client.user, 'postgres']]);
    await idleSessions(pool, 1);
    const forged = await issueClientCertificate(await createCertificateAuthority('Forger'), {
      user: tls.client.user,
    });
    const forgedRun = await runCopy(
      { ...certUser, clientCertificate: forged.certificate, clientKey: forged.privateKey },
      WHO,
      runOptions(pool),
    );
    expect(outcomeOf(forgedRun)).toEqual({ error: 'connector.tls_client_certificate_refused' });
    const { clientCertificate: _c, clientKey: _k, ...bare } = certUser;
    const bareRun = await runCopy(bare, WHO, runOptions(pool));
    expect(outcomeOf(bareRun)).toEqual({ error: 'connector.tls_client_certificate_refused' });
    expect(pool.stats()).toMatchObject({ reused: 0, idle: 1 });
  });

  it('never gives a kept session to another login, nor to that login with a wrong password', async () => {
    pool = createPostgresSessionPool();
    const { pooled } = await comparedWithFresh({ ...config, username: otherLogin, password: otherPassword });
    expect(pooled.rows).toEqual([[otherLogin, warehouse.reader.database]]);
    const wrong = await runCopy(
      { ...config, username: otherLogin, password: `${otherPassword}x` },
      WHO,
      runOptions(pool),
    );
    expect(outcomeOf(wrong)).toEqual({ error: 'connector.auth_failed' });
  });

  it('never gives a kept session to a run on another database', async () => {
    pool = createPostgresSessionPool();
    const { pooled } = await comparedWithFresh({ ...config, database: otherDatabase() });
    expect(pooled.rows).toEqual([[warehouse.reader.username, otherDatabase()]]);
  });

  it('never gives a session kept under the loopback allowance to a run whose policy refuses loopback', async () => {
    pool = createPostgresSessionPool();
    const { fresh } = await comparedWithFresh(config, { allow: EMPTY_ALLOW_LIST });
    expect(outcomeOf(fresh)).toMatchObject({ error: expect.stringMatching(/^net\./) });
  });

  it('never gives a kept session to a run whose policy names this warehouse as Quarry’s own database', async () => {
    pool = createPostgresSessionPool();
    const ownDatabase = { host: config.host, port: config.port, database: config.database };
    const { fresh } = await comparedWithFresh(config, { ownDatabase });
    // The connector reports Quarry's own database as a refused address (errors.ts).
    expect(outcomeOf(fresh)).toEqual({ error: 'net.address_refused' });
  });

  it('never gives a kept session to a run with a prepare step, nor keeps that run’s session', async () => {
    pool = createPostgresSessionPool();
    const kept = await runCopy(config, 'select 1', runOptions(pool));
    await idleSessions(pool, 1);
    const prepared = await runCopy(config, "select current_setting('quarry.reader', true) as r", {
      ...runOptions(pool),
      prepare: async (query) => {
        await query("select set_config('quarry.reader', $1, false)", ['someone@example.test']);
      },
    });
    expect(prepared.rows).toEqual([['someone@example.test']]);
    expect(prepared.pid).not.toBe(kept.pid);
    await settled(pool);
    expect(pool.stats()).toMatchObject({ opened: 1, reused: 0, idle: 1 });
    const after = await runCopy(
      config,
      "select current_setting('quarry.reader', true) as r",
      runOptions(pool),
    );
    expect(after.pid).toBe(kept.pid);
    expect(after.rows).toEqual([[null]]);
  });

  it('never gives a kept session to a run through a tunnel (dial), nor keeps that run’s session', async () => {
    pool = createPostgresSessionPool();
    const kept = await runCopy(config, 'select 1', runOptions(pool));
    await idleSessions(pool, 1);
    const dialed: string[] = [];
    const dial: Dialer = async (target) => {
      dialed.push(`${target.host}:${target.port}`);
      const socket = connect({ host: target.host, port: target.port });
      await once(socket, 'connect');
      return socket;
    };
    const tunneled = await runCopy(config, WHO, runOptions(pool, { dial }));
    expect(tunneled.rows).toEqual([[warehouse.reader.username, warehouse.reader.database]]);
    expect(dialed).toEqual([`${config.host}:${config.port}`]);
    expect(tunneled.pid).not.toBe(kept.pid);
    await settled(pool);
    expect(pool.stats()).toMatchObject({ opened: 1, reused: 0, idle: 1 });
  });

  it('takes no kept session for a run whose tag could break out of the application_name it is written into', async () => {
    pool = createPostgresSessionPool();
    for (const tag of [
      "quarry-run:x', true), pg_advisory_lock(1), set_config('a",
      'quarry-run:x\\',
      `quarry-run:${'x'.repeat(80)}`,
      '',
    ]) {
      const run = await runCopy(config, WHO, runOptions(pool, { tag }));
      expect(outcomeOf(run)).toEqual({
        rows: [[warehouse.reader.username, warehouse.reader.database]],
        last: { type: 'end', rowCount: 1, truncated: false },
      });
    }
    await settled(pool);
    expect(pool.stats()).toEqual({ opened: 0, reused: 0, idle: 0 });
  });
});

describe('how many sessions the pool holds', () => {
  it('ends the sessions of a burst beyond its bound, and ends the rest once they idled', async () => {
    // The pool's clock stands still until the test has counted the 3 kept sessions: on the real
    // clock the sweeper could end one idle past 200 ms before the last of them came back.
    let clock = Date.now();
    pool = createPostgresSessionPool({ maxIdlePerKey: 3, idleMs: 200, now: () => clock });
    const burst = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        runCopy(config, 'select $1::int as i from pg_sleep(0.1)', { ...runOptions(pool), params: [i] }),
      ),
    );
    burst.forEach((run, i) => {
      expect(run.rows).toEqual([[i]]);
    });
    expect(new Set(burst.map((r) => r.pid)).size).toBe(24);
    await idleSessions(pool, 3, 15_000);
    const deadline = Date.now() + 15_000;
    let open = await runnerSessions(admin, warehouse.reader.database);
    while (open.length > 3 && Date.now() < deadline) {
      await sleep(50);
      open = await runnerSessions(admin, warehouse.reader.database);
    }
    expect(open.length).toBe(3);
    expect(pool.stats().idle).toBe(3);
    // Idle past idleMs: the sweeper (every second at least) ends them at the server too.
    clock += 1_000;
    const idleDeadline = Date.now() + 5_000;
    while ((open.length > 0 || pool.stats().idle > 0) && Date.now() < idleDeadline) {
      await sleep(100);
      open = await runnerSessions(admin, warehouse.reader.database);
    }
    expect(pool.stats().idle).toBe(0);
    expect(open).toEqual([]);
  });
});
