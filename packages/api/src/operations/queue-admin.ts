import type { Queue } from '@quarry/queue';

/**
 * What the operations services use of pg-boss: its own counts, job search, dead-letter redrive and
 * deletion, and its instance registry. The API and the CLI hand in their pg-boss instance.
 */
export type QueueAdmin = Pick<
  Queue['boss'],
  'getQueueStats' | 'findJobs' | 'redrive' | 'deleteJob' | 'deleteQueuedJobs' | 'getInstances'
>;
