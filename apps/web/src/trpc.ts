import type { AppRouter } from '@quarry/api';
import { MAX_CALLS_PER_REQUEST } from '@quarry/contracts';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpBatchStreamLink, splitLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import superjson from 'superjson';
import { isTransient } from './ui/quarry-error';

const url = '/trpc';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Refusals and bad input answer the same the second time; only the network gets retries.
      retry: (failures, error) => failures < 2 && isTransient(error),
      refetchOnWindowFocus: false,
    },
  },
});

/** Procedures that answer with an async iterable: a run's events, the audit log's export. */
const STREAMED = new Set(['runs.events', 'audit.export']);

/**
 * One client, two links: streamed procedures answer as JSON lines, one request each so that
 * aborting one closes its own connection; everything else is batched plain JSON (sign-in must
 * be, because it sets a cookie on the response).
 */
export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => STREAMED.has(op.path),
      true: httpBatchStreamLink({ url, transformer: superjson, maxItems: 1 }),
      // The API refuses a request of more calls than this (request.batch_too_large).
      false: httpBatchLink({ url, transformer: superjson, maxItems: MAX_CALLS_PER_REQUEST }),
    }),
  ],
});

/** Typed react-query options for every procedure: `useQuery(trpc.projects.list.queryOptions())`. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });

/** What each procedure takes and answers: `RouterOutputs['invites']['create']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
