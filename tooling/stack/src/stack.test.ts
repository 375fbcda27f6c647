import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { humanize } from './log';
import { root } from './paths';

const composeCheck = () =>
  spawnSync('bash', [join(root, 'docker', 'check-compose.sh')], { encoding: 'utf8' });
// Exit 77: no Docker Compose v2 CLI on this machine (only the plain client); the check cannot run.
const composeAvailable = composeCheck().status !== 77;

describe('the stack runner', () => {
  it('turns a pino JSON line into a readable one, keeping its fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: 1,
      pid: 2,
      hostname: 'h',
      service: 'api',
      msg: 'request',
      path: '/trpc',
      status: 200,
    });
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
    expect(humanize(line).replace(ansi, '')).toBe('request path=/trpc status=200');
  });

  it('marks warnings and errors and passes other lines through', () => {
    expect(humanize(JSON.stringify({ level: 50, msg: 'boom' }))).toContain('error');
    expect(humanize('plain text')).toBe('plain text');
    expect(humanize('{not json')).toBe('{not json');
  });
});

describe.runIf(composeAvailable)('docker/compose.yaml', () => {
  it('resolves with its four services and refuses to start without its secrets', () => {
    const result = composeCheck();
    expect(result.stderr + result.stdout).not.toContain('FAIL');
    expect(result.status).toBe(0);
  });
});
