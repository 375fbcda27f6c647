import { z } from 'zod';
import { RunId } from '../runs/run';
import { MAX_ID_LENGTH } from '../transport/request-limits';

/** JOB-4: ids only. The runner loads everything else and re-checks authorization itself. */
export const RunExecuteJob = z.object({
  runId: RunId,
  workspaceId: z.string().max(MAX_ID_LENGTH).startsWith('wsp_'),
  /**
   * Who started the run and on which connection: what the queue orders and limits by (a fair share
   * per user, a cap of concurrent queries per connection). Scheduling hints only; the runner loads
   * the run and decides everything from the database (JOB-4). Absent in jobs sent before them.
   */
  ownerId: z.string().max(MAX_ID_LENGTH).startsWith('usr_').optional(),
  connectionId: z.string().max(MAX_ID_LENGTH).startsWith('con_').optional(),
  /**
   * Every connection a JS cell's run queries (its SQL steps may read several): the run counts
   * against each one's cap. A SQL cell's run queries its `connectionId` alone and carries no list.
   */
  connectionIds: z.array(z.string().max(MAX_ID_LENGTH).startsWith('con_')).max(1000).optional(),
});
export type RunExecuteJob = z.infer<typeof RunExecuteJob>;
