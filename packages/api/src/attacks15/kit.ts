import { createSession } from '@quarry/auth';
import type { RunEvent } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { cells, connections, projectConnections, runChunks, runs } from '@quarry/db/schema';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { eq } from 'drizzle-orm';
import { sessionCookieName } from '../auth/session-cookie';
import { createContext } from '../context';
import { appRouter } from '../router';
import { groupIn, projectIn, runnerLeavesResult, sqlCellIn, uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';

export type Event = { type: string; [key: string]: unknown };
export type Caller = Awaited<ReturnType<ApiHarness['as']>>;

/** A value only the runner's result holds: it must never reach a reader who may not see it. */
export const SECRET_VALUE = 'ceo salary nine hundred thousand';
/** The column name the fixture runner writes. */
export const RESULT_COLUMN = 'value';

/**
 * A project of A of its own, shared with A's Editor (Can edit) by a user grant only, importing a
 * fresh connection of its own (a copy of the fixture's, so the fixture's is never touched), with
 * one SQL cell on it.
 */
export async function privateProject(h: ApiHarness, grants = [h.a.users.editor.id]) {
  const projectId = await projectIn(
    h,
    h.a,
    grants.map((userId) => ({ userId, permission: 'can_edit' as const })),
  );
  const [base] = await h.database.db.select().from(connections).where(eq(connections.id, h.a.connectionId));
  if (!base) throw new Error('no fixture connection');
  const connectionId = newId('connection');
  await h.database.db
    .insert(connections)
    .values({ ...base, id: connectionId, name: uniqueName('hr'), isDefault: false });
  await h.database.db
    .insert(projectConnections)
    .values({ projectId, connectionId, workspaceId: h.a.workspaceId });
  const cellId = await sqlCellIn(h, h.a, projectId, connectionId);
  return { projectId, connectionId, cellId };
}

/** Takes away every A member's Can query and Can view results on a connection but the Manager's. */
export async function revokeViewResults(h: ApiHarness, connectionId: string) {
  const group = await groupIn(h, h.a, [h.a.users.manager.id]);
  await h.database.db
    .update(connections)
    .set({ canQuery: [group], canViewResults: [group] })
    .where(eq(connections.id, connectionId));
}

/** The runs stored for a cell. */
export const runsOfCell = (h: ApiHarness, cellId: string) =>
  h.database.db.select().from(runs).where(eq(runs.cellId, cellId));

export async function onlyRunOf(h: ApiHarness, cellId: string) {
  const rows = await runsOfCell(h, cellId);
  if (rows.length !== 1) throw new Error(`expected one run of ${cellId}, found ${rows.length}`);
  return rows[0] as (typeof rows)[number];
}

export const chunksLeft = async (h: ApiHarness, runId: string) =>
  (await h.database.db.select({ seq: runChunks.seq }).from(runChunks).where(eq(runChunks.runId, runId)))
    .length;

/** What the fixture runner leaves: a result with the secret value, in workspace A. */
export const runnerWritesSecret = (h: ApiHarness, runId: string) =>
  runnerLeavesResult(h, h.a, runId, [SECRET_VALUE]);

/** Every event of an iterable until its end, with a deadline, and what it threw. */
export async function drain(
  iterable: AsyncIterable<unknown>,
  options: { onEvent?: (event: Event) => Promise<void> | void; ms?: number } = {},
) {
  const events: Event[] = [];
  let thrown: string | null = null;
  const iterator = iterable[Symbol.asyncIterator]();
  const deadline = Date.now() + (options.ms ?? 10_000);
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) {
        await iterator.return?.();
        thrown = 'deadline';
        break;
      }
      const next = await Promise.race([
        iterator.next(),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left)),
      ]);
      if (next === 'timeout') {
        void iterator.return?.();
        thrown = 'deadline';
        break;
      }
      if (next.done) break;
      const event = next.value as Event;
      events.push(event);
      await options.onEvent?.(event);
    }
  } catch (error) {
    thrown = String(error);
  }
  return { events, thrown, text: JSON.stringify(events) };
}

/** The next event of an iterator (throws when it ended). */
export async function nextEvent(iterator: AsyncIterator<unknown>): Promise<Event> {
  const next = await iterator.next();
  if (next.done) throw new Error('the stream ended');
  return next.value as Event;
}

/** What a refused reader may be told: nothing of the result's rows, column names or row count. */
export function leaksResult(text: string) {
  return (
    text.includes(SECRET_VALUE) ||
    text.includes('"columns"') ||
    text.includes('"rows"') ||
    /"rowCount"\s*:\s*[1-9]/.test(text)
  );
}

export const typesOf = (events: readonly Event[]) =>
  events.map((e) => (e.type === 'status' ? `status:${String(e.status)}` : e.type));

/**
 * One HTTP request to /trpc (the router and context the API serves with) as `userId` in
 * `workspaceId`, batched (`?batch=1`), as the SDK's stream link sends it (`trpc-accept:
 * application/jsonl`) unless `stream` is false. The Response is returned unread: its body is read
 * at the test's own pace.
 */
export async function httpCall(
  h: ApiHarness,
  input: {
    userId: string;
    workspaceId: string;
    calls: readonly { path: string; input: unknown }[];
    stream?: boolean;
    signal?: AbortSignal;
    cookie?: string;
  },
) {
  const cookie =
    input.cookie ??
    `${sessionCookieName(false)}=${
      (await createSession(h.database.db, { userId: input.userId, workspaceId: input.workspaceId })).token
    }`;
  const inputs = Object.fromEntries(input.calls.map((call, i) => [String(i), { json: call.input }]));
  const paths = input.calls.map((call) => call.path).join(',');
  const req = new Request(`http://localhost/trpc/${paths}?batch=1`, {
    method: 'POST',
    headers: {
      cookie,
      'content-type': 'application/json',
      'sec-fetch-site': 'same-origin',
      ...(input.stream === false ? {} : { 'trpc-accept': 'application/jsonl' }),
    },
    body: JSON.stringify(inputs),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  return fetchRequestHandler({
    endpoint: '/trpc',
    req,
    router: appRouter,
    createContext: ({ req: request, resHeaders, info }) =>
      createContext({
        deps: h.deps,
        headers: request.headers,
        resHeaders,
        streams: info.isBatchCall && info.accept === 'application/jsonl',
        request: { ip: '127.0.0.1', userAgent: 'vitest', requestId: 'attacks15' },
      }),
  });
}

/** The body of a streamed response as text, read whole (with a deadline). */
export async function readBody(res: Response, ms = 10_000): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      await reader.cancel();
      return `${text}\n<deadline>`;
    }
    const next = await Promise.race([
      reader.read(),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left)),
    ]);
    if (next === 'timeout') {
      void reader.cancel();
      return `${text}\n<deadline>`;
    }
    if (next.done) return text + decoder.decode();
    text += decoder.decode(next.value, { stream: true });
  }
}

/** A new cell of a project written straight to the database. */
export async function cellOf(h: ApiHarness, workspaceId: string, projectId: string, connectionId: string) {
  const id = newId('cell');
  await h.database.db.insert(cells).values({
    id,
    workspaceId,
    projectId,
    position: 0,
    name: `q_${id.slice('cel_'.length)}`,
    kind: 'sql',
    connectionId,
    source: 'select 1',
  });
  return id;
}

export type { RunEvent };

/** A streamed response read a piece at a time: `until(text)` reads until `text` appears. */
export function bodyReader(res: Response) {
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  return {
    get text() {
      return text;
    },
    async until(needle: string | null, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!ended && (needle === null || !text.includes(needle))) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        const next = await Promise.race([
          reader.read(),
          new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left)),
        ]);
        if (next === 'timeout') return false;
        if (next.done) {
          ended = true;
          text += decoder.decode();
        } else {
          text += decoder.decode(next.value, { stream: true });
        }
      }
      return needle === null ? ended : text.includes(needle);
    },
    cancel: () => reader.cancel(),
  };
}

/**
 * Counts the notifier's open watches by run while `body` runs (each stream holds one until it
 * ends), then puts the notifier back.
 */
export async function countingWatches(h: ApiHarness, body: (open: Map<string, number>) => Promise<void>) {
  const open = new Map<string, number>();
  const notifier = h.deps.notifier;
  const watch = notifier.watch.bind(notifier);
  notifier.watch = (runId) => {
    const w = watch(runId);
    open.set(runId, (open.get(runId) ?? 0) + 1);
    return {
      wait: w.wait,
      close: () => {
        open.set(runId, (open.get(runId) ?? 0) - 1);
        w.close();
      },
    };
  };
  try {
    await body(open);
  } finally {
    notifier.watch = watch;
  }
}
