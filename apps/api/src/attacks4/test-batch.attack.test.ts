import { randomUUID } from 'node:crypto';
import {
  type ApiHarness,
  createApiHarness,
  loopbackSettings,
  projectIn,
  uniqueName,
} from '@quarry/api/testing';
import type { RunningWorker } from '@quarry/query-runner';
import { QUEUE_SCHEMA } from '@quarry/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOverHttp, startAttackApi } from '../attacks/attack-helpers';
import type { TestApi } from '../testing/start-test-api';
import { startTestRunner } from '../testing/start-test-runner';

let h: ApiHarness;
let api: TestApi & { quarry: string };
let runner: RunningWorker;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  runner = await startTestRunner({ databaseUrl: h.database.url, masterKey: h.masterKey });
  api = await startAttackApi(h);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await runner?.stop();
  await h?.close();
});

async function testJobs(): Promise<number> {
  const [row] = await h.deps.sql<{ n: number }[]>`
    select count(*)::int as n from ${h.deps.sql(QUEUE_SCHEMA)}.job where name = 'connection.test'`;
  return row?.n ?? 0;
}

describe('password guesses against a warehouse, batched through Test connection', () => {
  it('refuses an HTTP request that carries more than one connection test, as it does more than one sign-in (AUTH-7)', async () => {
    // Each test is a login attempt with a password the caller chose, made by Quarry's runner from
    // inside the operator's network (QUARRY_ALLOWED_PRIVATE_HOSTS). An Editor batches ten per
    // request, with no limit on requests: a password-guessing service against any database the
    // runner can reach, which the Editor cannot reach themselves.
    const projectId = await projectIn(
      h,
      h.a,
      [{ userId: h.a.users.editor.id, permission: 'can_edit' }],
      uniqueName('guesses'),
    );
    const cookie = await signInOverHttp(api.url, { email: h.a.users.editor.email });
    const guesses = Array.from({ length: 10 }, () => ({
      json: {
        projectId,
        kind: 'postgres',
        settings: loopbackSettings(9),
        secrets: { password: randomUUID() },
      },
    }));
    const before = await testJobs();
    const paths = Array.from({ length: 10 }, () => 'connections.testNewForProject').join(',');
    const response = await fetch(`${api.url}/trpc/${paths}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', cookie },
      body: JSON.stringify(Object.fromEntries(guesses.map((g, i) => [String(i), g]))),
    });
    const text = await response.text();
    const sent = (await testJobs()) - before;
    expect(sent, `${response.status} ${text.slice(0, 200)}`).toBeLessThanOrEqual(1);
    expect(response.status).toBe(400);
    expect(text).toContain('request.credential_batch');
  });
});
