import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { describe, expect, it } from 'vitest';
import { registerInputSecrets } from './input-secrets';
import { createLeakScan, leakScan } from './leak-scan';
import { observeCaller } from './observe-caller';
import { observingLogger } from './observing-logger';
import { textForScan } from './serialize';
import { registerSealedRecord, watchVault } from './watch-vault';

const testVault = () => {
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
};

describe('the leak scan', () => {
  it('reports where a registered value appeared, by length and hash, and not an unrelated value', async () => {
    const scan = createLeakScan();
    const secret = randomUUID();
    const unrelated = randomUUID();
    scan.registerSecret(secret, 'connection.credentials');
    scan.observe(JSON.stringify({ result: { data: { password: secret } } }), 'response:connections.get');
    scan.observe(JSON.stringify({ id: unrelated }), 'response:connections.list');
    expect(scan.observedCounts()).toEqual({ response: 2 });
    const leaks = await scan.leaks();
    expect(leaks).toEqual([
      {
        where: 'response:connections.get',
        origin: 'connection.credentials',
        length: secret.length,
        hash: expect.stringMatching(/^[0-9a-f]{8}$/),
        form: 'plain',
      },
    ]);
  });

  it('names the place but never prints the value in its failure', async () => {
    const scan = createLeakScan();
    const secret = randomUUID();
    scan.registerSecret(secret, 'secret.value');
    scan.observe(`{"level":30,"msg":"saved ${secret}"}`, 'log:api');
    const failure = await scan.assertNoLeaks().then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(failure).toContain('a secret.value value (36 characters');
    expect(failure).toContain('in log:api');
    expect(failure).not.toContain(secret);
  });

  it('checks a value registered after the text that carries it was observed', async () => {
    const scan = createLeakScan();
    const secret = randomUUID();
    scan.observe(`row ${secret}`, 'audit:connection.create');
    expect(await scan.leaks()).toEqual([]);
    scan.registerSecret(secret, 'connection.credentials');
    expect((await scan.leaks()).map((l) => l.where)).toEqual(['audit:connection.create']);
  });

  it('finds a value with quotes JSON-escaped and one URL-encoded, and hides it in a path it names', async () => {
    const scan = createLeakScan();
    const secret = `${randomUUID()}"/&x`;
    scan.registerSecret(secret, 'secret.value');
    scan.observe(JSON.stringify({ value: secret }), 'response:secrets.get');
    scan.observe(`GET /share/${encodeURIComponent(secret)}`, `response:/share/${encodeURIComponent(secret)}`);
    const leaks = await scan.leaks();
    expect(leaks.map((l) => [l.where, l.form])).toEqual([
      ['response:secrets.get', 'json'],
      ['response:/share/[secret]', 'url'],
    ]);
  });

  it('ignores values shorter than 8 characters, which match ordinary text', async () => {
    const scan = createLeakScan();
    scan.registerSecret('hunter2', 'connection.credentials');
    scan.observe('the password hunter2 appears here', 'log:api');
    expect(scan.secretCount()).toBe(0);
    expect(await scan.leaks()).toEqual([]);
  });
});

describe('registering secrets where they are sealed', () => {
  it('registers a credential object and each of its long string fields, not result chunks', async () => {
    const vault = watchVault(testVault());
    const password = randomUUID();
    const shortField = 'abc';
    const before = leakScan().secretCount();
    vault.seal(JSON.stringify({ password, pin: shortField }), {
      workspaceId: 'wsp_1',
      recordId: 'con_1',
      purpose: 'connection.credentials',
    });
    const chunkValue = randomUUID();
    vault.seal(JSON.stringify([[chunkValue]]), {
      workspaceId: 'wsp_1',
      recordId: 'run_1',
      purpose: 'run.chunk',
    });
    // The whole JSON object and its password; the 3-character field is too short to matter.
    expect(leakScan().secretCount()).toBe(before + 2);
    leakScan().observe(`{"rows":[["${chunkValue}"]]}`, 'response:runs.results');
    leakScan().observe(`{"name":"warehouse","password":"${password}"}`, 'response:connections.get');
    const leaks = await leakScan().takeLeaks();
    expect(leaks.map((l) => [l.where, l.origin])).toEqual([
      ['response:connections.get', 'connection.credentials'],
    ]);
  });

  it('opens a record the product sealed in its own vault under the same key, and registers it', async () => {
    const key = generateMasterKey();
    const productVault = loadVaultFromEnv({ QUARRY_MASTER_KEY: key });
    const testsVault = loadVaultFromEnv({ QUARRY_MASTER_KEY: key });
    if (!productVault.ok || !testsVault.ok) throw new Error('vault');
    watchVault(testsVault.value);
    const value = randomUUID();
    const context = { workspaceId: 'wsp_1', recordId: 'sec_1', purpose: 'secret.value' };
    const record = productVault.value.seal(value, context);
    expect(registerSealedRecord(record, context)).toBe(true);
    leakScan().observe(`secret ${value}`, 'log:runner');
    expect((await leakScan().takeLeaks()).map((l) => l.origin)).toEqual(['secret.value']);
  });
});

describe('observing what the tests see', () => {
  it('observes a procedure output and a thrown error through a wrapped caller, not its input', async () => {
    const secret = randomUUID();
    leakScan().registerSecret(secret, 'secret.value');
    const caller = observeCaller({
      secrets: {
        create: async (input: { value: string }) => ({ id: 'sec_1', length: input.value.length }),
        leak: async () => ({ id: 'sec_1', value: secret }),
        fail: async () => {
          throw Object.assign(new Error(`bad value ${secret}`), { code: 'BAD_REQUEST' });
        },
      },
    });
    await expect(caller.secrets.create({ value: secret })).resolves.toEqual({ id: 'sec_1', length: 36 });
    expect(await leakScan().takeLeaks()).toEqual([]);
    await expect(caller.secrets.leak()).resolves.toEqual({ id: 'sec_1', value: secret });
    await expect(caller.secrets.fail()).rejects.toThrow('bad value');
    expect((await leakScan().takeLeaks()).map((l) => l.where)).toEqual([
      'response:secrets.leak',
      'response:secrets.fail',
    ]);
  });

  it('observes each line a logger is handed, errors included', async () => {
    const secret = randomUUID();
    leakScan().registerSecret(secret, 'connection.probe');
    const log = observingLogger('api');
    log.info({ connectionId: 'con_1' }, 'connection tested');
    expect(await leakScan().takeLeaks()).toEqual([]);
    log.error({ err: new Error(`could not connect with ${secret}`) }, 'test failed');
    expect((await leakScan().takeLeaks()).map((l) => l.where)).toEqual(['log:api']);
  });

  it('observes the body of every API response the test process fetches, which the test still reads', async () => {
    const secret = randomUUID();
    leakScan().registerSecret(secret, 'sso.client_secret');
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ clientSecret: secret }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/trpc/sso.providers`);
      expect(await res.json()).toEqual({ clientSecret: secret });
      // An identity provider's registration answer carries the secret it issues: not Quarry's.
      const reg = await fetch(`http://127.0.0.1:${port}/reg`, { method: 'POST' });
      expect(await reg.json()).toEqual({ clientSecret: secret });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await leakScan().takeLeaks()).map((l) => l.where)).toEqual(['response:/trpc/sso.providers']);
  });

  it('reads bytes as text and spells out errors when serializing', () => {
    expect(textForScan({ data: Buffer.from('plain bytes') })).toBe('{"data":"plain bytes"}');
    expect(textForScan(new Error('boom', { cause: new Error('root') }))).toContain('"message":"root"');
    expect(textForScan({ n: 12n, when: new Date(0) })).toBe('{"n":"12","when":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('credentials a test sends over HTTP', () => {
  it("registers a connection's secrets, a secret's value and a client secret, in batches too, and nothing else", async () => {
    const scan = leakScan();
    const password = randomUUID();
    const value = randomUUID();
    const clientSecret = randomUUID();
    const name = randomUUID();
    registerInputSecrets(
      '/trpc/connections.testNew',
      JSON.stringify({ json: { kind: 'postgres', settings: { host: name }, secrets: { password } } }),
    );
    registerInputSecrets(
      '/trpc/secrets.create,sso.createProvider',
      JSON.stringify({ 0: { json: { name, value } }, 1: { json: { name, clientSecret } } }),
    );
    registerInputSecrets('/trpc/projects.rename', JSON.stringify({ json: { name, value: name } }));
    scan.observe(JSON.stringify([password, value, clientSecret]), 'response:crafted');
    scan.observe(JSON.stringify({ name }), 'response:projects.rename');
    expect((await scan.takeLeaks()).map((leak) => [leak.where, leak.origin])).toEqual([
      ['response:crafted', 'input.connection_secret'],
      ['response:crafted', 'input.secret_value'],
      ['response:crafted', 'input.client_secret'],
    ]);
  });
});

describe('what the scan must survive', () => {
  it('still registers the credential in a request body that also nests 10,000 levels deep', async () => {
    const password = randomUUID();
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    registerInputSecrets(
      '/trpc/connections.testNew',
      `{"json":{"secrets":{"password":${JSON.stringify(password)}},"deep":${deep}}}`,
    );
    leakScan().observe(`{"error":"${password}"}`, 'response:/trpc/connections.testNew');
    expect((await leakScan().takeLeaks()).map((leak) => leak.origin)).toEqual(['input.connection_secret']);
  });
});
