import { z } from 'zod';
import { RunId } from '../runs/run';
import { MAX_ID_LENGTH } from '../transport/request-limits';

/** JOB-4: ids only. The runner loads everything else and re-checks authorization itself. */
export const RunExecuteJob = z.object({
  runId: RunId,
  workspaceId: z.string().max(MAX_ID_LENGTH).startsWith('wsp_'),
});
export type RunExecuteJob = z.infer<typeof RunExecuteJob>;
