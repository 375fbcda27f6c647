import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Fails a file whose responses or log lines carried a stored credential or secret (issue 9 item 4).
  test: { testTimeout: 30_000, hookTimeout: 60_000, setupFiles: ['@quarry/leak-scan/setup'] },
});
