import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll's default wait is 1 s: too short for a page, a NOTIFY or a process on a loaded machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
