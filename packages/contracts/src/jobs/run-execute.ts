import { z } from 'zod';
import { RunId } from '../runs/run';

/** JOB-4: ids only. The runner loads everything else and re-checks authorization itself. */
export const RunExecuteJob = z.object({ runId: RunId, workspaceId: z.string().startsWith('wsp_') });
export type RunExecuteJob = z.infer<typeof RunExecuteJob>;
