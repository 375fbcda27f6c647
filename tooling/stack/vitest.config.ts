import { defineConfig } from 'vitest/config';

// Tests here start Node processes and PostgreSQL servers: vitest's 5 s default was too short for
// them on a loaded two-core machine.
export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 60_000 } });
