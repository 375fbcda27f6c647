import { type ApiHarness, createApiHarness, sqlCellIn } from '@quarry/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './testing/start-test-api';

let h: ApiHarness;
let api: TestApi;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  api = await startTestApi(h);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const runsOf = async (cellId: string) =>
  (await h.database.sql<{ n: number }[]>`select count(*)::int as n from runs where cell_id = ${cellId}`)[0]
    ?.n;

/** The Quarry error codes of a tRPC answer, batched or not. */
async function quarryCodes(res: Response): Promise<string[]> {
  const body = (await res.json()) as unknown;
  const answers = (Array.isArray(body) ? body : [body]) as {
    error?: { json?: { data?: { quarry?: { code?: string } } } };
  }[];
  return answers.map((a) => a.error?.json?.data?.quarry?.code ?? '');
}

describe('runs.query over HTTP', () => {
  it('refuses a request that cannot take its stream before it starts anything, and streams one that can', async () => {
    const { token } = await h.withToken(h.a, 'editor');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const input = { projectId: h.a.projectId, cellId, source: 'select 41' };
    const post = (path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal) =>
      fetch(`${api.url}/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    // A batch that does not ask for JSON lines (tRPC's plain batch link), or asks for something else.
    const asked: Record<string, string>[] = [
      {},
      { 'trpc-accept': 'application/json' },
      { accept: 'text/html' },
    ];
    for (const headers of asked) {
      const refused = await post('runs.query?batch=1', { 0: { json: input } }, headers);
      const codes = await quarryCodes(refused);
      expect(codes).toEqual(['request.unsupported_media_type']);
      expect(refused.status).toBe(415);
    }
    // Not a batch: tRPC streams only batches (and refuses this one itself).
    const single = await post('runs.query', { json: input }, { 'trpc-accept': 'application/jsonl' });
    expect(await quarryCodes(single)).toEqual([expect.stringMatching(/^request\./)]);
    expect(single.ok).toBe(false);
    // Nothing ran: no run, and the cell keeps its source.
    expect(await runsOf(cellId)).toBe(0);
    expect((await h.database.sql`select source from cells where id = ${cellId}`)[0]?.source).toBe('select 1');

    const leave = new AbortController();
    const streamed = await post(
      'runs.query?batch=1',
      { 0: { json: input } },
      { 'trpc-accept': 'application/jsonl' },
      leave.signal,
    );
    expect(streamed.status).toBe(200);
    const reader = streamed.body?.getReader();
    let text = '';
    while (reader && !text.includes('"started"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    // The run stays queued (no runner here): the reader leaves.
    leave.abort();
    expect(text).toContain('"started"');
    expect(await runsOf(cellId)).toBe(1);
  });
});
