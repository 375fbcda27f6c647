import { defineConfig } from 'vitest/config';

export default defineConfig({
  // fixtures/ holds a test file that leaks on purpose; only setup.test.ts runs it, in a child vitest.
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, setupFiles: ['./src/setup.ts'] },
});
