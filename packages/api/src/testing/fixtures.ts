import { randomUUID } from 'node:crypto';
import { newId } from '@quarry/db';
import { cells, groupMembers, groups, projectGrants, projects, runChunks, runs } from '@quarry/db/schema';
import {
  chunkContext,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  RUN_STATUS_NEWS,
  sealColumns,
  sealRows,
} from '@quarry/results';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { QuarryTRPCError } from '../errors';
import type { ApiHarness } from './harness';

/** A name no other test (nor an earlier run of this one) made: tests share one database. */
export const uniqueName = (what: string) => `${what} ${randomUUID().slice(0, 8)}`;

export type Refusal = {
  code: string;
  quarry: string;
  message: string;
  hint: string;
  details: unknown;
  /** The whole Quarry error as JSON, for "names nothing it should not" checks. */
  text: string;
};

/** The refusal a call ended with (its tRPC code and Quarry code), or a thrown test failure. */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const quarry = error instanceof QuarryTRPCError ? error.quarry : undefined;
    return {
      code: error.code,
      quarry: quarry?.code ?? '',
      message: quarry?.message ?? '',
      hint: quarry?.hint ?? '',
      details: quarry?.details,
      text: JSON.stringify(quarry ?? {}),
    };
  }
  throw new Error('expected a refusal, the call succeeded');
}

type Workspace = ApiHarness['a'];
export type ProjectGrant = {
  userId: string;
  permission: 'can_view' | 'can_explore' | 'can_edit' | 'full_access';
};

/**
 * A project of `workspace` made by its Admin and shared only as `grants` say, written straight to
 * the database so a test's setup does not lean on the sharing procedures it may be attacking.
 */
export async function projectIn(
  h: ApiHarness,
  workspace: Workspace,
  grants: readonly ProjectGrant[] = [],
  name = uniqueName('project'),
) {
  const id = newId('project');
  await h.database.db.insert(projects).values({
    id,
    workspaceId: workspace.workspaceId,
    name,
    createdBy: workspace.users.admin.id,
  });
  for (const grant of grants) {
    await h.database.db.insert(projectGrants).values({
      id: newId('grant'),
      workspaceId: workspace.workspaceId,
      projectId: id,
      userId: grant.userId,
      permission: grant.permission,
    });
  }
  return id;
}

type Setting = string | number | boolean | null;

/** Settings of a PostgreSQL connection to a public name that these tests never contact. */
export const exampleSettings = (over: Record<string, unknown> = {}) => ({
  host: 'db.example.com',
  port: 5432,
  database: 'analytics',
  username: 'reader',
  sslMode: 'require',
  ...over,
});

/**
 * PostgreSQL settings for the test warehouse's read-only login (its password goes in secrets):
 * over TLS, checked against the TLS test server's CA (verify-ca).
 */
export const warehouseSettings = (h: ApiHarness, over: Record<string, Setting> = {}) => ({
  ...h.warehouse.settings,
  ...over,
});

/**
 * PostgreSQL settings for a port on this machine that a test listens on (or leaves closed): what
 * an attacker's connection to a host and port of their choosing looks like.
 */
export const loopbackSettings = (port: number, over: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  database: 'analytics',
  username: 'reader',
  // Encrypted but unchecked: what reaches an attacker's server that has a certificate of its own.
  sslMode: 'require',
  ...over,
});

/** A custom group of `workspace` holding only `userIds`, written straight to the database. */
export async function groupIn(
  h: ApiHarness,
  workspace: Workspace,
  userIds: readonly string[],
  name = uniqueName('grp'),
) {
  const id = newId('group');
  await h.database.db.insert(groups).values({ id, workspaceId: workspace.workspaceId, name });
  for (const userId of userIds) {
    await h.database.db
      .insert(groupMembers)
      .values({ groupId: id, userId, workspaceId: workspace.workspaceId });
  }
  return id;
}

/**
 * A SQL cell (`select 1`) at the top of `projectId`, written straight to the database: a cell's
 * connection set this way skips the API's checks, as a race between two requests could leave it.
 */
export async function sqlCellIn(
  h: ApiHarness,
  workspace: Workspace,
  projectId: string,
  connectionId?: string,
) {
  const id = newId('cell');
  // Names are unique per project; the cell's own id keeps parallel calls apart.
  await h.database.db.insert(cells).values({
    id,
    workspaceId: workspace.workspaceId,
    projectId,
    position: 0,
    name: `query_${id.slice('cel_'.length)}`,
    kind: 'sql',
    connectionId,
    source: 'select 1',
  });
  return id;
}

/**
 * What a runner leaves of a run of `workspace` that reads one text column: taken (its readers told),
 * then its columns and one row per value sealed under the run's own context, the run succeeded, and
 * its readers told again. Written straight to the database: the API's side of a run, tested alone.
 */
export async function runnerLeavesResult(
  h: ApiHarness,
  workspace: Workspace,
  runId: string,
  values: readonly string[],
): Promise<void> {
  const { workspaceId } = workspace;
  await h.database.db
    .update(runs)
    .set({ status: 'running', startedAt: new Date() })
    .where(eq(runs.id, runId));
  await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${`${runId}${RUN_STATUS_NEWS}`})`;
  const expiresAt = new Date(Date.now() + RUN_CHUNK_TTL_MS);
  const columns = [{ name: 'value', type: 'text' as const, dbType: 'text' }];
  await h.database.db.insert(runChunks).values([
    {
      runId,
      seq: 0,
      rowCount: 0,
      payload: sealColumns(h.vault, chunkContext(workspaceId, runId, 0), columns),
      expiresAt,
    },
    {
      runId,
      seq: 1,
      rowCount: values.length,
      payload: sealRows(
        h.vault,
        chunkContext(workspaceId, runId, 1),
        values.map((v) => [v]),
      ),
      expiresAt,
    },
  ]);
  await h.database.db
    .update(runs)
    .set({ status: 'succeeded', rowCount: values.length, finishedAt: new Date() })
    .where(eq(runs.id, runId));
  await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${runId})`;
}
