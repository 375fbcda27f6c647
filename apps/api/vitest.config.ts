import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Fails a file whose responses or log lines carried a stored credential or secret (issue 9 item 4).
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['@quarry/leak-scan/setup'],
    // expect.poll's default wait is 1 s: too short for a page, a NOTIFY or a process on a loaded machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
