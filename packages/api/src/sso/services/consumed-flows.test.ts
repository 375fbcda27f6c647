import { describe, expect, it } from 'vitest';
import { createConsumedFlows } from './consumed-flows';

describe('consumed flows', () => {
  it('accepts a flow once and refuses it until it would have expired', () => {
    const flows = createConsumedFlows();
    expect(flows.consume('state-a', 1_000, 0)).toBe(true);
    expect(flows.consume('state-a', 1_000, 500)).toBe(false);
    expect(flows.consume('state-b', 1_000, 500)).toBe(true);
    // Past its expiry the entry is dropped; the flow cookie's own expiry refuses it by then.
    expect(flows.consume('state-a', 3_000, 2_000)).toBe(true);
  });
});
