import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    // expect.poll's default wait is 1 s: too short for a page, a NOTIFY or a process on a loaded machine.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 180_000,
    // Each browser test starts a whole product (PostgreSQL databases, api, runner) and a Chromium.
    // Six of them at once on two cores timed out starting; one after another they do not, and the
    // unit tests beside them take seconds either way.
    fileParallelism: false,
    // Fails a file whose responses, log lines or pages carried a stored credential or secret (issue 9 item 4).
    setupFiles: ['@quarry/leak-scan/setup'],
  },
});
