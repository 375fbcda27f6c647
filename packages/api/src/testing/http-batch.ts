import { createSession } from '@quarry/auth';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { sessionCookieName } from '../auth/session-cookie';
import { createContext } from '../context';
import { appRouter } from '../router';
import type { ApiHarness } from './harness';

/** One call's answer in a tRPC batch response, as far as the tests read it. */
export type BatchAnswer = {
  result?: { data?: { json?: unknown } };
  error?: {
    json?: {
      message?: string;
      data?: {
        code?: string;
        httpStatus?: number;
        quarry?: { code?: string; message?: string; hint?: string; details?: unknown };
      };
    };
  };
};

/**
 * One HTTP request to /trpc as `userId` in `workspaceId` (a fresh session's cookie, same origin):
 * `?batch=1` with every call in `calls`, through the router and the context the API serves with.
 * A GET carries the inputs in the URL, a POST in its body.
 */
export async function sendBatch(
  h: ApiHarness,
  input: {
    userId: string;
    workspaceId: string;
    method: 'GET' | 'POST';
    calls: readonly { path: string; input: unknown }[];
  },
) {
  const { token } = await createSession(h.database.db, {
    userId: input.userId,
    workspaceId: input.workspaceId,
  });
  const inputs = Object.fromEntries(input.calls.map((call, i) => [String(i), { json: call.input }]));
  const paths = input.calls.map((call) => call.path).join(',');
  const url =
    input.method === 'GET'
      ? `http://localhost/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`
      : `http://localhost/trpc/${paths}?batch=1`;
  const req = new Request(url, {
    method: input.method,
    headers: {
      cookie: `${sessionCookieName(false)}=${token}`,
      'content-type': 'application/json',
      'sec-fetch-site': 'same-origin',
    },
    ...(input.method === 'POST' ? { body: JSON.stringify(inputs) } : {}),
  });
  const res = await fetchRequestHandler({
    endpoint: '/trpc',
    req,
    router: appRouter,
    createContext: ({ req: request, resHeaders }) =>
      createContext({
        deps: h.deps,
        headers: request.headers,
        resHeaders,
        request: { ip: '127.0.0.1', userAgent: 'vitest', requestId: 'batch' },
      }),
  });
  const text = await res.text();
  return { status: res.status, text, answers: JSON.parse(text) as BatchAnswer[] };
}

/** The tRPC code of a batch answer: 'OK' for a result, '?' for neither. */
export const codeOf = (answer: BatchAnswer | undefined) =>
  answer?.error?.json?.data?.code ?? (answer?.result ? 'OK' : '?');
