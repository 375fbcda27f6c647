import type { AppRouter } from '@quarry/api';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpBatchStreamLink, splitLink } from '@trpc/client';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import superjson from 'superjson';

const url = '/trpc';

export const queryClient = new QueryClient();

export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.path === 'runs.events',
      true: httpBatchStreamLink({ url, transformer: superjson, maxItems: 1 }),
      false: httpBatchLink({ url, transformer: superjson }),
    }),
  ],
});

export const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });

export async function probe() {
  const it = await trpcClient.runs.events.query({ runId: 'run_x' });
  for await (const e of it) { const t: string = e.type; void t; }
}
