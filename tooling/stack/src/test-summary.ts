import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paint } from './log';

type VitestJson = {
  numTotalTestSuites: number;
  numPassedTestSuites: number;
  numFailedTestSuites: number;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: {
    name: string;
    status: string;
    assertionResults?: { fullName: string; status: string }[];
  }[];
};

/**
 * Every package's vitest writes test-results/vitest.json; this adds them up into one summary in
 * vitest's own words, so `npm test` ends with the totals for the whole product.
 */
export function printTestSummary(root: string, elapsedMs: number): void {
  let files = 0;
  let filesFailed = 0;
  let tests = 0;
  let testsPassed = 0;
  let testsFailed = 0;
  let testsSkipped = 0;
  let packages = 0;
  const failedFiles: string[] = [];
  const skippedTests: string[] = [];
  for (const dir of ['apps', 'packages', 'tooling']) {
    for (const name of readdirSync(join(root, dir))) {
      const report = join(root, dir, name, 'test-results', 'vitest.json');
      if (!existsSync(report)) continue;
      const json = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
      packages += 1;
      files += json.testResults.length;
      const failed = json.testResults.filter((r) => r.status !== 'passed');
      filesFailed += failed.length;
      failedFiles.push(...failed.map((r) => r.name.replace(`${root}/`, '')));
      tests += json.numTotalTests;
      testsPassed += json.numPassedTests;
      testsFailed += json.numFailedTests;
      testsSkipped += json.numPendingTests + json.numTodoTests;
      // A skipped test proves nothing: each is named, so none goes unnoticed.
      for (const file of json.testResults) {
        for (const test of file.assertionResults ?? []) {
          if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') {
            skippedTests.push(`${file.name.replace(`${root}/`, '')} › ${test.fullName}`);
          }
        }
      }
    }
  }
  const status = (failed: number, passed: number, total: number, skipped = 0) =>
    `${failed ? `${paint('red', `${failed} failed`)} | ` : ''}${paint('green', `${passed} passed`)}${skipped ? ` | ${paint('yellow', `${skipped} skipped`)}` : ''} (${total})`;
  process.stdout.write(`\n ${paint('cyan', 'All packages')} (${packages} with tests)\n`);
  for (const f of failedFiles) process.stdout.write(`   ${paint('red', '✗')} ${f}\n`);
  process.stdout.write(` Test Files  ${status(filesFailed, files - filesFailed, files)}\n`);
  process.stdout.write(`      Tests  ${status(testsFailed, testsPassed, tests, testsSkipped)}\n`);
  process.stdout.write(`   Duration  ${(elapsedMs / 1000).toFixed(1)}s\n\n`);
  if (skippedTests.length > 0) {
    process.stdout.write(` ${paint('yellow', 'Skipped')} (did not run, so they prove nothing):\n`);
    for (const name of skippedTests) process.stdout.write(`   ${paint('yellow', '○')} ${name}\n`);
    process.stdout.write('\n');
  }
}
