import { describe, expect, it } from 'vitest';
import { kernelRuntimeProblems } from './kernel-runtime';

describe('the kernel runtime check (KRN-2)', () => {
  it('accepts Node 24 started with --no-node-snapshot', () => {
    expect(
      kernelRuntimeProblems({ nodeVersion: 'v24.21.0', execArgv: ['--no-node-snapshot', '--import', 'tsx'] }),
    ).toEqual([]);
  });

  it('accepts the flag given through NODE_OPTIONS', () => {
    expect(
      kernelRuntimeProblems({ nodeVersion: 'v24.1.0', execArgv: [], nodeOptions: '--no-node-snapshot' }),
    ).toEqual([]);
  });

  it('refuses to start without --no-node-snapshot', () => {
    const problems = kernelRuntimeProblems({ nodeVersion: 'v24.21.0', execArgv: ['--import', 'tsx'] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('--no-node-snapshot');
  });

  it('refuses Node 20, which isolated-vm 7 does not support', () => {
    const problems = kernelRuntimeProblems({ nodeVersion: 'v20.20.2', execArgv: ['--no-node-snapshot'] });
    expect(problems[0]).toContain('Node v20.20.2 is too old');
  });

  it('runs in this test process under the same rule the runner enforces', () => {
    expect(kernelRuntimeProblems({ nodeVersion: process.version, execArgv: ['--no-node-snapshot'] })).toEqual(
      [],
    );
  });
});
