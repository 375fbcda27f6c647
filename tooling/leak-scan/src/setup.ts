/**
 * Vitest `setupFiles` entry: each test file starts with an empty leak scan, observes every fetch
 * response, and fails (its afterAll) if a registered credential or secret appeared in anything the
 * file observed. Setup files' hooks run after the test file's own afterAll (vitest's stack order),
 * so harnesses have closed and test databases have been swept by then.
 */
import { afterAll } from 'vitest';
import { leakScan, resetLeakScan } from './leak-scan';
import { installFetchObserver } from './observe-fetch';

resetLeakScan();
installFetchObserver();

afterAll(async () => {
  try {
    await leakScan().assertNoLeaks();
  } finally {
    resetLeakScan();
  }
});
