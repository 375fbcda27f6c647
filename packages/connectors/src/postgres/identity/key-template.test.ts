import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentityKey, identityKeyId } from './claims';
import { IDENTITY_KEY_PSQL_VARIABLE, identityInstallSql, identityKeySqlTemplate } from './install-sql';

/**
 * The key SQL Quarry shows an Admin carries no key: psql supplies it. What it stores must be what
 * the runner's signatures are checked against: the same key under the id `identityKeyId` derives.
 */
const suffix = randomBytes(4).toString('hex');
const SCHEMA = `qi_tpl_${suffix}`;
const OWNER = `qi_tpl_owner_${suffix}`;
let warehouse: TestWarehouse;
let admin: postgres.Sql;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 1 });
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(
    identityInstallSql({ schema: SCHEMA, readerRoles: [warehouse.reader.username], ownerRole: OWNER }),
  );
});

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
  const server = new URL(warehouse.adminUrl);
  server.pathname = '/postgres';
  const sql = postgres(server.toString(), { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop role if exists ${OWNER}`).finally(() => sql.end({ timeout: 5 }));
});

describe('identityKeySqlTemplate', () => {
  it('holds no key, and stores the key psql is given under the id the runner signs with', () => {
    const key = generateIdentityKey();
    const template = identityKeySqlTemplate({ schema: SCHEMA, workspaceId: 'wsp_template' });
    expect(template).not.toContain(key);
    const ran = spawnSync(
      'psql',
      [warehouse.adminUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `${IDENTITY_KEY_PSQL_VARIABLE}=${key}`],
      { input: template, encoding: 'utf8' },
    );
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    return admin
      .unsafe(`select kid, encode(key, 'hex') as key, workspace_id from "${SCHEMA}".signing_key`)
      .then((rows) => {
        expect(rows).toEqual([{ kid: identityKeyId(key), key, workspace_id: 'wsp_template' }]);
      });
  });

  it('refuses a workspace id that could break out of its literal', () => {
    expect(() => identityKeySqlTemplate({ workspaceId: "wsp_x'; drop table t; --" })).toThrow();
  });
});
