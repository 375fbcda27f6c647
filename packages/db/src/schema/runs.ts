import { RunStatus } from '@quarry/contracts';
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, bytea, createdAt, enumValues, workspaceId } from './columns';

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    workspaceId: workspaceId(),
    projectId: text('project_id').notNull(),
    cellId: text('cell_id').notNull(),
    /** The run belongs to whoever started it: only they receive its rows. */
    ownerId: text('owner_id').notNull(),
    /**
     * The connection of a SQL target (what the SQL runner path reads); null for a JS target, whose
     * connections are in `connectionIds`.
     */
    connectionId: text('connection_id'),
    /** Every connection the run's result derives from (all SQL steps of the plan), each once. */
    connectionIds: text('connection_ids').array().notNull().default(sql`'{}'::text[]`),
    /** What the run executes (RunPlan in contracts): upstream steps then the target, decided at start. */
    plan: jsonb('plan'),
    /** The input values the plan was built with, defaults applied, by input name. */
    inputs: jsonb('inputs'),
    /** How each step went (RunStepOutcome[] in contracts), written by the runner. */
    steps: jsonb('steps'),
    /** A SQL target's compiled SQL (placeholders, never values); a JS target's source. */
    source: text('source').notNull(),
    rowLimit: integer('row_limit').notNull(),
    /** queued → running → succeeded | failed | cancelled; transitions are guarded (JOB-1). */
    status: text('status', { enum: enumValues(RunStatus) })
      .notNull()
      .default('queued'),
    /** A QuarryError plus `kind`: 'user' (bad SQL) or 'system' (our fault). */
    error: jsonb('error'),
    columns: jsonb('columns'),
    rowCount: integer('row_count'),
    truncated: boolean('truncated').notNull().default(false),
    jobId: text('job_id'),
    /**
     * The warehouse session's cancel key while the run is `running` (PostgreSQL's backend pid and
     * secret, MySQL's thread id), sealed by the vault: what a runner that finds the run orphaned
     * cancels its query with (JOB-6). Null before the session opens and once the run ended.
     */
    sessionKey: bytea('session_key'),
    /** The reader asked for a fresh result: the result cache is neither read nor written for this run. */
    refresh: boolean('refresh').notNull().default(false),
    /** When the cached result this run was served from was computed; null when it ran on the warehouse. */
    cacheHitAt: at('cache_hit_at'),
    createdAt: createdAt(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('runs_owner_idx').on(t.ownerId, t.createdAt),
    // runs.start counts a workspace's queued and running runs on every start (the active-run caps).
    index('runs_active_idx').on(t.workspaceId, t.ownerId).where(sql`${t.status} in ('queued', 'running')`),
    // /metrics reads the runs finished since its last scrape, in (finished_at, id) order.
    index('runs_finished_idx').on(t.finishedAt, t.id).where(sql`${t.finishedAt} is not null`),
    // The operations page lists a workspace's recent failures, newest first.
    index('runs_failed_idx').on(t.workspaceId, t.finishedAt).where(sql`${t.status} = 'failed'`),
  ],
);

/** In-flight result chunks, sealed by the vault; deleted once delivered or expired. */
export const runChunks = pgTable(
  'run_chunks',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    rowCount: integer('row_count').notNull(),
    payload: bytea('payload').notNull(),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.seq] }),
    // The sweeper deletes by expiry.
    index('run_chunks_expires_idx').on(t.expiresAt),
  ],
);

/**
 * The predicates of runs' partial indexes, written as the indexes write them. The API's and the
 * runner's pools plan each statement once for every value (createDb's genericPlans), and such a plan
 * uses a partial index only where the statement's predicate implies the index's without knowing
 * any value: a status bound as a parameter never does.
 */
export const runIsActive = sql`${runs.status} in ('queued', 'running')`;
export const runFailed = sql`${runs.status} = 'failed'`;

/**
 * The vault context a run's warehouse session key (`runs.session_key`) is sealed under: that run
 * of that workspace only.
 */
export const runSessionKeyContext = (workspaceId: string, runId: string) => ({
  workspaceId,
  recordId: runId,
  purpose: 'run.session_key',
});
