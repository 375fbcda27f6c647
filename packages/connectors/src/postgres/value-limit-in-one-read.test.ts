import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresConfig, StreamOptions } from '../types';
import { type PassthroughEvent, streamPostgresCopy } from './copy-stream';
import { streamPostgres } from './stream';

let warehouse: TestWarehouse;
let config: PostgresConfig;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 10 });
  config = { ...warehouse.settings, password: warehouse.reader.password };
}, 60_000);

afterAll(async () => {
  await warehouse?.drop();
});

const paths = { cursor: streamPostgres, copy: streamPostgresCopy } as const;

// The byte guard sees each socket read before the driver does and trips inside it; the driver
// still parses the whole read. A value over the limit that arrives whole in one read (a few kB)
// must not go on as a row, nor the end of the result it completed as a success: both paths did
// that, and the COPY path then hung on its completion check over the socket the guard destroyed.
describe.each(Object.keys(paths) as (keyof typeof paths)[])('the %s path', (path) => {
  it('stops a value over the limit that arrives whole in one socket read, handing none of it on', async () => {
    const options: StreamOptions = {
      rowLimit: 10,
      timeoutMs: 10_000,
      allow: LOOPBACK,
      limits: { maxValueBytes: 2_000, maxResultBytes: 1_000_000 },
    };
    const events: PassthroughEvent[] = [];
    for await (const event of paths[path](config, "select repeat('x', 5000) as big", [], options))
      events.push(event);

    expect(events.at(-1)).toMatchObject({
      type: 'error',
      error: {
        code: 'run.value_too_large',
        message: expect.stringContaining('2 kB'),
        details: { limit: 'value', limitBytes: 2_000 },
      },
    });
    expect(events.filter((e) => e.type === 'rows' || e.type === 'copy')).toHaveLength(0);
  });
});
