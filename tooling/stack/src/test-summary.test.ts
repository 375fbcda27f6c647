import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printTestSummary } from './test-summary';

const roots: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function checkout(report: object): string {
  const root = mkdtempSync(join(tmpdir(), 'quarry-summary-'));
  roots.push(root);
  for (const dir of ['apps', 'packages', 'tooling']) mkdirSync(join(root, dir));
  mkdirSync(join(root, 'apps', 'web', 'test-results'), { recursive: true });
  writeFileSync(join(root, 'apps', 'web', 'test-results', 'vitest.json'), JSON.stringify(report));
  return root;
}

describe('the npm test summary', () => {
  it('names every skipped test, so a browser test that did not run is never silent', () => {
    const root = checkout({
      numTotalTestSuites: 2,
      numPassedTestSuites: 1,
      numFailedTestSuites: 0,
      numTotalTests: 3,
      numPassedTests: 1,
      numFailedTests: 0,
      numPendingTests: 2,
      numTodoTests: 0,
      testResults: [
        {
          name: '/x/apps/web/src/a.test.ts',
          status: 'passed',
          assertionResults: [{ fullName: 'a works', status: 'passed' }],
        },
        {
          name: `${'/'}e2e/access.test.ts`,
          status: 'skipped',
          assertionResults: [
            { fullName: 'access control in real Chromium invites an Editor', status: 'pending' },
            { fullName: 'access control in real Chromium shares', status: 'skipped' },
          ],
        },
      ],
    });
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });

    printTestSummary(root, 1000);

    // biome-ignore lint/suspicious/noControlCharactersInRegex: the summary is coloured with ANSI escapes
    const text = written.join('').replace(/\u001b\[[0-9;]*m/g, '');
    expect(text).toContain('Skipped (did not run, so they prove nothing):');
    expect(text).toContain('e2e/access.test.ts › access control in real Chromium invites an Editor');
    expect(text).toContain('e2e/access.test.ts › access control in real Chromium shares');
    expect(text).not.toContain('a works');
  });
});
