import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const vitestCli = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');

describe('the setup file', () => {
  it('fails a test file whose responses carried a registered value, naming where and not the value', () => {
    const secret = randomUUID();
    const run = spawnSync(
      process.execPath,
      [vitestCli, 'run', '--config', 'fixtures/vitest.config.ts', '--reporter=default'],
      { cwd: root, env: { ...process.env, LEAK_FIXTURE_SECRET: secret, CI: 'true' }, encoding: 'utf8' },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status).toBe(1);
    expect(output).toContain('Leak scan: a stored credential or secret value appeared');
    expect(output).toContain('a connection.credentials value (36 characters');
    expect(output).toContain('in response:connections.get');
    expect(output).not.toContain(secret);
  });
});
