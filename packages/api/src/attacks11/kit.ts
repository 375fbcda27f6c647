import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiToken, createSession } from '@quarry/auth';
import { MAX_CALLS_PER_REQUEST, type RunEvent } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { runChunks, runs } from '@quarry/db/schema';
import { createWorkspaceFixture } from '@quarry/db/testing';
import { chunkContext, RUN_CHUNK_TTL_MS, RUN_EVENTS_CHANNEL, sealColumns, sealRows } from '@quarry/results';
import type { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { jsonlStreamConsumer } from '@trpc/server/unstable-core-do-not-import';
import { eq } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll } from 'vitest';
import { sessionCookieName } from '../auth/session-cookie';
import { createContext } from '../context';
import { appRouter } from '../router';
import type { RunNotifier } from '../runs/run-notifier';
import { uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

/** A workspace of its own (its own caps count, its own audit chain). */
export const freshWorkspace = (h: ApiHarness) =>
  createWorkspaceFixture(h.database.db, {
    vault: h.vault,
    warehouse: h.warehouse.reader,
    name: uniqueName('attacks11'),
  });

/** A session cookie header for `userId` in `workspaceId`. */
export async function cookieFor(h: ApiHarness, userId: string, workspaceId: string, now?: Date) {
  const { token } = await createSession(h.database.db, { userId, workspaceId, ...(now ? { now } : {}) });
  return { cookie: `${sessionCookieName(false)}=${token}`, 'sec-fetch-site': 'same-origin' };
}

/** The session id of a cookie header made by cookieFor. */
export const sessionIdOf = (headers: { cookie: string }) => headers.cookie.split('=')[1]?.split('.')[0] ?? '';

/** A bearer header for a fresh API token of `userId` in `workspaceId`, and the token's id. */
export async function bearerFor(h: ApiHarness, userId: string, workspaceId: string) {
  const created = await createApiToken(h.database.db, {
    userId,
    workspaceId,
    name: 'attacks11',
    expiresInDays: 1,
  });
  return { headers: { authorization: `Bearer ${created.token}` }, tokenId: created.row.id };
}

/**
 * What the runner leaves for a run: its columns and one row chunk holding `marker`, the run
 * succeeded, and the readers told (NOTIFY), exactly as start-and-stream.test.ts does.
 */
export async function finishAsRunner(
  h: ApiHarness,
  workspaceId: string,
  runId: string,
  marker: string,
  column = 'n',
) {
  const expiresAt = new Date(Date.now() + RUN_CHUNK_TTL_MS);
  await h.database.db.insert(runChunks).values([
    {
      runId,
      seq: 0,
      rowCount: 0,
      payload: sealColumns(h.vault, chunkContext(workspaceId, runId, 0), [
        { name: column, type: 'text', dbType: 'text' },
      ]),
      expiresAt,
    },
    {
      runId,
      seq: 1,
      rowCount: 1,
      payload: sealRows(h.vault, chunkContext(workspaceId, runId, 1), [[marker]]),
      expiresAt,
    },
  ]);
  const now = new Date();
  await h.database.db
    .update(runs)
    .set({ status: 'succeeded', rowCount: 1, startedAt: now, finishedAt: now })
    .where(eq(runs.id, runId));
  await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${runId})`;
}

/** A finished run of `ownerId` on `ws`'s fixture cell with its result waiting in chunks. */
export async function finishedRun(
  h: ApiHarness,
  ws: { workspaceId: string; projectId: string; cellId: string; connectionId: string },
  ownerId: string,
  marker: string,
) {
  const id = newId('run');
  await h.database.db.insert(runs).values({
    id,
    workspaceId: ws.workspaceId,
    projectId: ws.projectId,
    cellId: ws.cellId,
    ownerId,
    connectionId: ws.connectionId,
    connectionIds: [ws.connectionId],
    source: 'select secret from somewhere',
    rowLimit: 10,
    status: 'queued',
  });
  await finishAsRunner(h, ws.workspaceId, id, marker, 'their_secret');
  return id;
}

/** Chunks left of a run. */
export const chunksOf = async (h: ApiHarness, runId: string) =>
  (await h.database.db.select({ seq: runChunks.seq }).from(runChunks).where(eq(runChunks.runId, runId)))
    .length;

/** Ends every active run of a workspace (nothing executes runs here), so caps start from zero. */
export const settle = (h: ApiHarness, workspaceId: string) =>
  h.deps.sql`update runs set status = 'cancelled', finished_at = now()
    where workspace_id = ${workspaceId} and status in ('queued', 'running')`;

/**
 * Counts the notifier's open watches (every result stream holds one while it lives) by wrapping the
 * harness's notifier in place; `restore` puts the original back.
 */
export function countWatches(h: ApiHarness) {
  const base = h.deps.notifier;
  const open = new Map<string, number>();
  let opened = 0;
  const counting: RunNotifier = {
    mark: () => base.mark(),
    heardSince: (runId, mark) => base.heardSince(runId, mark),
    close: () => base.close(),
    watch(runId) {
      const watch = base.watch(runId);
      opened += 1;
      open.set(runId, (open.get(runId) ?? 0) + 1);
      let closed = false;
      return {
        wait: (timeoutMs, signal) => watch.wait(timeoutMs, signal),
        close() {
          if (!closed) {
            closed = true;
            const left = (open.get(runId) ?? 1) - 1;
            if (left) open.set(runId, left);
            else open.delete(runId);
          }
          watch.close();
        },
      };
    },
  };
  h.deps.notifier = counting;
  return {
    open: () => [...open.values()].reduce((a, b) => a + b, 0),
    openOf: (runId: string) => open.get(runId) ?? 0,
    opened: () => opened,
    restore: () => {
      h.deps.notifier = base;
    },
  };
}

/** tRPC's error shape as this API formats it (trpc.ts errorFormatter). */
export type ErrorShape = {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    path?: string;
    quarry: { code: string; message: string; hint?: string; details?: unknown };
  };
};

/** One call of a streamed batch, settled: its data, or its error. */
export type StreamAnswer = { data: unknown; error?: undefined } | { data?: undefined; error: ErrorShape };

/**
 * The API over real HTTP: a node:http server on loopback serving /trpc through the same router,
 * context and batch limit as apps/api. A client that goes away (its socket closed) aborts the
 * request's signal and cancels the response body, as Node adapters do. `errors` keeps every error
 * the API handed tRPC's onError (an INTERNAL_SERVER_ERROR there is a bug).
 */
export async function startHttpApi(h: ApiHarness) {
  const errors: TRPCError[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer(async (req, res) => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const body = await readBody(req);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(key, value);
      else if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    }
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
      signal: controller.signal,
    });
    const response = await fetchRequestHandler({
      endpoint: '/trpc',
      req: request,
      router: appRouter,
      maxBatchSize: MAX_CALLS_PER_REQUEST,
      createContext: ({ req: r, resHeaders }) =>
        createContext({
          deps: h.deps,
          headers: r.headers,
          resHeaders,
          request: { ip: '127.0.0.1', userAgent: r.headers.get('user-agent'), requestId: 'attacks11' },
        }),
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) {
      res.end();
      return;
    }
    const reader = response.body.getReader();
    res.on('close', () => {
      if (!res.writableFinished) reader.cancel().catch(() => {});
    });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
        if (res.destroyed) return;
      }
      res.end();
    } catch {
      res.destroy();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    errors,
    /** Internal errors the API reported: none may happen. */
    internalErrors: () => errors.filter((e) => e.code === 'INTERNAL_SERVER_ERROR'),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type HttpApi = Awaited<ReturnType<typeof startHttpApi>>;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** The URL and body of a batch as tRPC's links send it. */
function batchRequest(
  api: HttpApi,
  method: 'GET' | 'POST',
  calls: readonly { path: string; input: unknown }[],
) {
  const inputs = Object.fromEntries(
    calls.map((call, i) => [String(i), superjson.serialize(call.input)]),
  ) as Record<string, unknown>;
  const paths = calls.map((call) => call.path).join(',');
  return method === 'GET'
    ? { url: `${api.url}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}` }
    : { url: `${api.url}/trpc/${paths}?batch=1`, body: JSON.stringify(inputs) };
}

/**
 * One batch over HTTP as httpBatchStreamLink sends it (`trpc-accept: application/jsonl`), read as
 * its client reads it: `answers[i]` settles with call i's data (a startAndStream's `{ run, events }`
 * with `events` an async iterable of the events as they arrive) or error. `text()` is the whole
 * response as sent, once it ended; `abort()` drops the connection.
 */
export async function streamBatch(
  api: HttpApi,
  headers: Record<string, string>,
  calls: readonly { path: string; input: unknown }[],
  method: 'GET' | 'POST' = 'POST',
) {
  const controller = new AbortController();
  const { url, body } = batchRequest(api, method, calls);
  const res = await fetch(url, {
    method,
    headers: { ...headers, 'content-type': 'application/json', 'trpc-accept': 'application/jsonl' },
    ...(body ? { body } : {}),
    signal: controller.signal,
  });
  if (!res.body) throw new Error('no body');
  if (res.status !== 200) {
    // Refused as a whole before any call ran (a plain JSON error, not JSON lines).
    const text = await res.text();
    const parsed = JSON.parse(text) as { error?: unknown };
    const error = superjson.deserialize(parsed.error as never) as ErrorShape;
    const answers = calls.map(async (): Promise<StreamAnswer> => ({ error }));
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      answers,
      text: async () => text,
      textSoFar: () => text,
      abort: () => {},
    };
  }
  const [forClient, forText] = res.body.tee();
  let raw = '';
  const decoder = new TextDecoder();
  const textDone = (async () => {
    const reader = forText.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        raw += decoder.decode(value, { stream: true });
      }
    } catch {
      // Aborted: the text so far is what was sent.
    }
    return raw;
  })();
  const consumerAbort = new AbortController();
  const [head] = await jsonlStreamConsumer<Record<string, Promise<unknown>>>({
    from: forClient,
    deserialize: (value) => superjson.deserialize(value as never),
    abortController: consumerAbort,
  });
  const answers: Promise<StreamAnswer>[] = calls.map(async (_, i) => {
    const json = (await head[String(i)]) as {
      result?: Promise<{ data: Promise<unknown> }>;
      error?: ErrorShape;
    };
    if (json.error) return { error: json.error };
    const result = await json.result;
    return { data: await result?.data };
  });
  for (const answer of answers) answer.catch(() => {});
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    answers,
    text: () => textDone,
    textSoFar: () => raw,
    abort: () => {
      controller.abort();
      consumerAbort.abort();
    },
  };
}

/**
 * A streamed batch handed to the API's fetch handler directly (no socket), with the request's
 * signal the caller's: a test can abort the signal alone, or cancel the body alone.
 */
export function directStream(
  h: ApiHarness,
  headers: Record<string, string>,
  calls: readonly { path: string; input: unknown }[],
  signal: AbortSignal,
) {
  const inputs = Object.fromEntries(calls.map((call, i) => [String(i), superjson.serialize(call.input)]));
  const req = new Request(`http://localhost/trpc/${calls.map((c) => c.path).join(',')}?batch=1`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'trpc-accept': 'application/jsonl' },
    body: JSON.stringify(inputs),
    signal,
  });
  return fetchRequestHandler({
    endpoint: '/trpc',
    req,
    router: appRouter,
    createContext: ({ req: r, resHeaders }) =>
      createContext({
        deps: h.deps,
        headers: r.headers,
        resHeaders,
        request: { ip: '127.0.0.1', userAgent: 'vitest', requestId: 'attacks11-direct' },
      }),
  });
}

/** A plain (non-streaming) batch, as httpBatchLink sends it: the whole JSON answer. */
export async function plainBatch(
  api: HttpApi,
  headers: Record<string, string>,
  calls: readonly { path: string; input: unknown }[],
  method: 'GET' | 'POST' = 'POST',
) {
  const { url, body } = batchRequest(api, method, calls);
  const res = await fetch(url, {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    ...(body ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, answers: JSON.parse(text) as { error?: { json: ErrorShape } }[] };
}

/** A startAndStream answer's run and events, or a test failure naming its error. */
export function started(answer: StreamAnswer) {
  if (answer.error) throw new Error(`expected a started run, got ${JSON.stringify(answer.error)}`);
  return answer.data as { run: { id: string; status: string }; events: AsyncIterable<RunEvent> };
}

/**
 * Reads `events` until it ends, calling `onEvent` after each (it may act, e.g. finish the run as
 * the runner); fails after `timeoutMs`.
 */
export async function readAll(
  events: AsyncIterable<RunEvent>,
  onEvent: (event: RunEvent, all: RunEvent[]) => Promise<void> | void = () => {},
  timeoutMs = 15_000,
): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  const reading = (async () => {
    for await (const event of events) {
      all.push(event);
      await onEvent(event, all);
    }
    return all;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`stream did not end in ${timeoutMs} ms: ${JSON.stringify(all)}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([reading, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first event of `events` (the stream stays open). */
export async function firstEvent(events: AsyncIterable<RunEvent>): Promise<RunEvent | undefined> {
  const iterator = events[Symbol.asyncIterator]();
  const next = await iterator.next();
  return next.done ? undefined : next.value;
}

/** Waits until `check` holds, polling every 20 ms, up to `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * One harness per test file, served over loopback HTTP, with the notifier's watches counted: set
 * up before the file's tests (handed to `assign`) and closed after them.
 */
export function useHttpApi(
  assign: (setup: { h: ApiHarness; api: HttpApi; watches: ReturnType<typeof countWatches> }) => void,
): void {
  let setup: { h: ApiHarness; api: HttpApi; watches: ReturnType<typeof countWatches> } | null = null;
  beforeAll(async () => {
    const h = await createApiHarness({ orders: 5 });
    const api = await startHttpApi(h);
    setup = { h, api, watches: countWatches(h) };
    assign(setup);
  });
  afterAll(async () => {
    setup?.watches.restore();
    await setup?.api.close();
    await setup?.h.close();
  });
}
