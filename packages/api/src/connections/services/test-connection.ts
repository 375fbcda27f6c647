import {
  ConnectionTestOutput,
  err,
  ok,
  type QuarryError,
  type Result,
  type TestConnectionInput,
  type TestConnectionResult,
} from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { QUEUE_SCHEMA } from '@quarry/queue';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';

/** The runner's own connect timeout is 10 s; this leaves room for it to pick the job up. */
export const TEST_CONNECTION_WAIT_MS = 20_000;
const POLL_MS = 100;

/**
 * "Test connection". The API never opens the credentials: it sends a `connection.test` job and waits
 * for the runner's answer in the job's output. Another workspace's connection is NOT_FOUND before
 * anything is sent.
 */
export async function testConnection(
  ctx: ServiceContext,
  input: TestConnectionInput,
  options: { waitMs?: number } = {},
): Promise<Result<TestConnectionResult>> {
  const { workspaceId } = ctx.actor;
  const [connection] = await ctx.deps.db
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.id, input.connectionId), eq(connections.workspaceId, workspaceId)));
  if (!connection) return err(notFound('connection'));

  const jobId = await ctx.deps.queue.send('connection.test', {
    workspaceId,
    target: { type: 'connection', connectionId: connection.id },
    requestedBy: ctx.actor.userId,
  });
  const deadline = Date.now() + (options.waitMs ?? TEST_CONNECTION_WAIT_MS);
  while (Date.now() < deadline) {
    const [job] = await ctx.deps.sql<{ state: string; output: unknown }[]>`
      select state, output from ${ctx.deps.sql(QUEUE_SCHEMA)}.job
      where name = 'connection.test' and id = ${jobId}`;
    if (job?.state === 'completed') {
      const output = ConnectionTestOutput.safeParse(job.output);
      if (!output.success) return err(testFailed());
      return output.data.ok ? ok(output.data) : err(output.data.error);
    }
    if (job && job.state !== 'created' && job.state !== 'retry' && job.state !== 'active') {
      ctx.deps.log.warn({ jobId, state: job.state }, 'connection test job did not complete');
      return err(testFailed());
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return err({
    code: 'connections.test_timeout',
    message: `No query runner answered within ${Math.round((options.waitMs ?? TEST_CONNECTION_WAIT_MS) / 1000)} s`,
    hint: 'Check that the query runner is running, then test again',
  });
}

const testFailed = (): QuarryError => ({
  code: 'connections.test_failed',
  message: 'The connection test did not finish',
  hint: 'Test again; if it keeps failing, check the query runner’s log',
});
