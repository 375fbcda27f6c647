import { createHash } from 'node:crypto';
import { decideCanRefreshSchema } from '@quarry/access';
import type { IntrospectProgress, SchemaTable } from '@quarry/connectors';
import type { QuarryError, SchemaRefreshJob } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { connectionFacts, loadMemberActor } from '@quarry/db/access-facts';
import { writeAuditEvent } from '@quarry/db/audit';
import {
  connectionCredentialsContext,
  connections,
  schemaColumns,
  schemaRefreshes,
  schemaTables,
} from '@quarry/db/schema';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { driverConfig } from './connection-config';
import type { RunnerDeps } from './execute-run';

type RefreshDeps = Pick<
  RunnerDeps,
  'db' | 'vault' | 'log' | 'now' | 'allowPrivateHosts' | 'ownDatabase' | 'limits'
>;
type ConnectionRow = typeof connections.$inferSelect;
type RefreshRow = typeof schemaRefreshes.$inferSelect;

/** One catalog statement's bound; introspection reads in batches, so this is per batch, not per refresh. */
const INTROSPECT_STATEMENT_TIMEOUT_MS = 60_000;
/** Progress is written at most this often: the SPA polls it, the database need not see every batch. */
const PROGRESS_EVERY_MS = 500;
/** Ids per delete statement. */
const DELETE_BATCH = 2_000;
/** Rows per JSON document of new tables or columns: a few MB at most. */
const JSON_INSERT_BATCH = 20_000;

const ACTIVE = ['queued', 'running'] as const;

/**
 * A `schema.refresh` job: reads the connection's schema with its connector (the connection's filter
 * applied) and replaces what the metadata store holds for it in one transaction, adding what is
 * new, removing what was dropped or is now filtered out, and rewriting what changed.
 *
 * At-least-once (JOB-1): the refresh is keyed by its id (a scheduled job's refresh by the job's id),
 * every status change is guarded by the status it leaves, and the store is written under a lock on
 * the refresh row while it is still running, so a retry that overlaps its first attempt applies the
 * diff once. The connection is loaded scoped by the job's workspace and the requester's Can refresh
 * schema is decided again here (JOB-4).
 */
export async function refreshSchema(
  deps: RefreshDeps,
  job: SchemaRefreshJob,
  context: { jobId: string; signal?: AbortSignal },
): Promise<void> {
  const [connection] = await deps.db
    .select()
    .from(connections)
    .where(and(eq(connections.id, job.connectionId), eq(connections.workspaceId, job.workspaceId)));
  if (!connection) return;
  const refresh = job.refreshId
    ? await ownRefresh(deps, job, job.refreshId)
    : await scheduledRefresh(deps, job, connection, context.jobId);
  if (!refresh || !ACTIVE.some((s) => s === refresh.status)) return;

  const refused = await recheck(deps, connection, refresh);
  if (refused) return fail(deps, refresh, refused);
  if (connection.status === 'draft') {
    return fail(deps, refresh, {
      code: 'schema.connection_draft',
      message: `The connection '${connection.name}' is a draft`,
    });
  }
  const started = await deps.db
    .update(schemaRefreshes)
    .set({ status: 'running', startedAt: refresh.startedAt ?? deps.now(), updatedAt: deps.now() })
    .where(and(eq(schemaRefreshes.id, refresh.id), inArray(schemaRefreshes.status, [...ACTIVE])))
    .returning({ id: schemaRefreshes.id });
  if (started.length === 0) return;

  const connector = driverConfig(deps.vault, {
    kind: connection.kind,
    settings: connection.settings,
    credentials: connection.credentials,
    context: connectionCredentialsContext(connection.workspaceId, connection.id),
    sshHostKey: connection.sshHostKey,
  });
  if (connection.credentials) await auditUnwrap(deps, connection, refresh, connector.ok);
  if (!connector.ok) {
    if (connector.error.vaultCode) {
      deps.log.error(
        { connectionId: connection.id, code: connector.error.vaultCode },
        'schema refresh could not unwrap credentials',
      );
    }
    return fail(deps, refresh, { code: connector.error.code, message: connector.error.message });
  }

  const progress = progressWriter(deps, refresh.id);
  const readStarted = performance.now();
  const read = await connector.value.introspect(connection.schemaFilter, {
    allow: deps.allowPrivateHosts,
    ...(deps.ownDatabase ? { ownDatabase: deps.ownDatabase } : {}),
    ...(deps.limits ? { limits: deps.limits } : {}),
    timeoutMs: INTROSPECT_STATEMENT_TIMEOUT_MS,
    ...(context.signal ? { signal: context.signal } : {}),
    onProgress: progress.report,
  });
  await progress.flush();
  if (!read.ok) {
    // The log keeps the driver's words; the row keeps the typed error, shown in full to Admins only.
    deps.log.warn(
      { connectionId: connection.id, code: read.error.code, internal: read.error.internal },
      'schema refresh failed',
    );
    return fail(
      deps,
      refresh,
      context.signal?.aborted
        ? { code: 'schema.refresh_interrupted', message: 'The refresh was stopped before it finished' }
        : { code: read.error.code, message: read.error.message },
    );
  }
  const applyStarted = performance.now();
  await apply(deps, connection, refresh, read.value);
  deps.log.info(
    {
      refreshId: refresh.id,
      connectionId: connection.id,
      tables: read.value.length,
      introspectMs: Math.round(applyStarted - readStarted),
      applyMs: Math.round(performance.now() - applyStarted),
    },
    'schema refreshed',
  );
}

async function ownRefresh(deps: RefreshDeps, job: SchemaRefreshJob, refreshId: string) {
  const [row] = await deps.db
    .select()
    .from(schemaRefreshes)
    .where(
      and(
        eq(schemaRefreshes.id, refreshId),
        eq(schemaRefreshes.workspaceId, job.workspaceId),
        eq(schemaRefreshes.connectionId, job.connectionId),
      ),
    );
  return row ?? null;
}

/**
 * A schedule's tick has no refresh yet: one is made for the job (its retry finds the same one). A
 * refresh already queued or running for the connection is joined: the tick does nothing. So does a
 * tick for a connection whose cadence went off or that is no longer a ready workspace connection
 * (a schedule that outlived its setting).
 */
async function scheduledRefresh(
  deps: RefreshDeps,
  job: SchemaRefreshJob,
  connection: ConnectionRow,
  jobId: string,
) {
  const cadence = connection.refreshCadence ?? (connection.scope === 'workspace' ? 'daily' : 'off');
  if (connection.scope !== 'workspace' || cadence === 'off' || connection.status !== 'ready') return null;
  await deps.db
    .insert(schemaRefreshes)
    .values({
      id: newId('schema_refresh'),
      workspaceId: job.workspaceId,
      connectionId: connection.id,
      trigger: 'scheduled',
      jobId,
    })
    .onConflictDoNothing();
  const [row] = await deps.db
    .select()
    .from(schemaRefreshes)
    .where(and(eq(schemaRefreshes.jobId, jobId), eq(schemaRefreshes.workspaceId, job.workspaceId)));
  return row ?? null;
}

/** JOB-4: someone who pressed Refresh must still be a member allowed to refresh this connection. */
async function recheck(
  deps: RefreshDeps,
  connection: ConnectionRow,
  refresh: RefreshRow,
): Promise<QuarryError | null> {
  if (refresh.trigger !== 'manual' || !refresh.requestedBy) return null;
  const actor = await loadMemberActor(deps.db, {
    workspaceId: connection.workspaceId,
    userId: refresh.requestedBy,
  });
  if (!actor)
    return {
      code: 'schema.refresh_not_allowed',
      message: 'Whoever asked for this refresh is no longer a member',
    };
  const check = decideCanRefreshSchema(actor, connectionFacts(connection));
  return check.allowed ? null : { code: 'schema.refresh_not_allowed', message: check.reason.message };
}

async function auditUnwrap(
  deps: RefreshDeps,
  connection: ConnectionRow,
  refresh: RefreshRow,
  opened: boolean,
) {
  await deps.db.transaction((tx) =>
    writeAuditEvent(
      tx,
      {
        workspaceId: connection.workspaceId,
        actorId: refresh.requestedBy,
        action: 'connection.credentials_unwrap',
        target: { type: 'connection', id: connection.id },
        outcome: opened ? 'success' : 'failure',
        details: { purpose: 'schema_refresh', refreshId: refresh.id },
      },
      deps.now(),
    ),
  );
}

/** Writes progress to the refresh row, at most every PROGRESS_EVERY_MS, guarded by its running status. */
function progressWriter(deps: RefreshDeps, refreshId: string) {
  let latest: IntrospectProgress | null = null;
  let writtenAt = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const write = () => {
    const p = latest;
    if (!p) return;
    writtenAt = Date.now();
    pending = pending
      .then(() =>
        deps.db
          .update(schemaRefreshes)
          .set({ progressDone: p.done, progressTotal: p.total, updatedAt: deps.now() })
          .where(and(eq(schemaRefreshes.id, refreshId), eq(schemaRefreshes.status, 'running'))),
      )
      .catch((error: unknown) =>
        deps.log.warn({ refreshId, err: error }, 'schema refresh progress not written'),
      );
  };
  return {
    report(progress: IntrospectProgress) {
      latest = progress;
      if (Date.now() - writtenAt >= PROGRESS_EVERY_MS || progress.done === 0) write();
    },
    async flush() {
      write();
      await pending;
    },
  };
}

async function fail(deps: RefreshDeps, refresh: RefreshRow, error: QuarryError): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    const failed = await tx
      .update(schemaRefreshes)
      .set({
        status: 'failed',
        errorCode: error.code,
        errorMessage: error.message,
        finishedAt: now,
        updatedAt: now,
      })
      .where(and(eq(schemaRefreshes.id, refresh.id), inArray(schemaRefreshes.status, [...ACTIVE])))
      .returning({ id: schemaRefreshes.id });
    if (failed.length === 0) return;
    await writeAuditEvent(
      tx,
      {
        workspaceId: refresh.workspaceId,
        actorId: refresh.requestedBy,
        action: 'schema.refresh',
        target: { type: 'connection', id: refresh.connectionId },
        outcome: 'failure',
        details: { refreshId: refresh.id, trigger: refresh.trigger, code: error.code },
      },
      now,
    );
  });
}

/** A digest of everything the store keeps of a table: equal digests, nothing to rewrite. */
export function tableSignature(table: SchemaTable): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        table.kind,
        table.comment,
        table.columns.map((c) => [c.name, c.dbType, c.nullable, c.comment, c.primaryKey, c.position]),
      ]),
    )
    .digest('base64url');
}

const pathKey = (t: { database: string; schema: string; name: string }) =>
  JSON.stringify([t.database, t.schema, t.name]);

export type SchemaPlan = {
  added: SchemaTable[];
  changed: Array<{ id: string; table: SchemaTable }>;
  removedIds: string[];
};

/** What a refresh changes in the store: pure, from what it holds and what the connector read. */
export function planSchemaChanges(
  stored: ReadonlyArray<{ id: string; database: string; schema: string; name: string; signature: string }>,
  read: readonly SchemaTable[],
): SchemaPlan {
  const byPath = new Map(stored.map((s) => [pathKey(s), s]));
  const plan: SchemaPlan = { added: [], changed: [], removedIds: [] };
  const seen = new Set<string>();
  for (const table of read) {
    const key = pathKey(table);
    if (seen.has(key)) continue;
    seen.add(key);
    const existing = byPath.get(key);
    if (!existing) plan.added.push(table);
    else if (existing.signature !== tableSignature(table)) plan.changed.push({ id: existing.id, table });
  }
  for (const s of stored) if (!seen.has(pathKey(s))) plan.removedIds.push(s.id);
  return plan;
}

async function apply(deps: RefreshDeps, connection: ConnectionRow, refresh: RefreshRow, read: SchemaTable[]) {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    // The lock makes an overlapping attempt of the same refresh wait here, then find it finished.
    const [locked] = await tx
      .select({ id: schemaRefreshes.id })
      .from(schemaRefreshes)
      .where(and(eq(schemaRefreshes.id, refresh.id), eq(schemaRefreshes.status, 'running')))
      .for('update');
    if (!locked) return;
    const stored = await tx
      .select({
        id: schemaTables.id,
        database: schemaTables.database,
        schema: schemaTables.schema,
        name: schemaTables.name,
        signature: schemaTables.signature,
      })
      .from(schemaTables)
      .where(
        and(
          eq(schemaTables.connectionId, connection.id),
          eq(schemaTables.workspaceId, connection.workspaceId),
        ),
      );
    const plan = planSchemaChanges(stored, read);
    for (let i = 0; i < plan.removedIds.length; i += DELETE_BATCH) {
      await tx
        .delete(schemaTables)
        .where(inArray(schemaTables.id, plan.removedIds.slice(i, i + DELETE_BATCH)));
    }
    for (const { id, table } of plan.changed) {
      await tx
        .update(schemaTables)
        .set({
          kind: table.kind,
          comment: table.comment,
          columnCount: table.columns.length,
          signature: tableSignature(table),
          updatedAt: now,
        })
        .where(eq(schemaTables.id, id));
    }
    const changedIds = plan.changed.map((c) => c.id);
    for (let i = 0; i < changedIds.length; i += DELETE_BATCH) {
      await tx
        .delete(schemaColumns)
        .where(inArray(schemaColumns.tableId, changedIds.slice(i, i + DELETE_BATCH)));
    }
    const added = plan.added.map((table) => ({ id: newId('schema_table'), table }));
    // New tables go in as one JSON document per batch, unpacked by the server, instead of one
    // bound parameter per value.
    for (let i = 0; i < added.length; i += JSON_INSERT_BATCH) {
      const batch = JSON.stringify(
        added.slice(i, i + JSON_INSERT_BATCH).map(({ id, table }) => ({
          i: id,
          d: table.database,
          s: table.schema,
          n: table.name,
          k: table.kind,
          c: table.comment,
          m: table.columns.length,
          g: tableSignature(table),
        })),
      );
      await tx.execute(sql`
        insert into schema_tables
          (id, workspace_id, connection_id, database, schema, name, kind, comment, column_count, signature)
        select r.i, ${connection.workspaceId}, ${connection.id}, r.d, r.s, r.n, r.k, r.c, r.m, r.g
        from jsonb_to_recordset(${batch}::jsonb)
          as r(i text, d text, s text, n text, k text, c text, m int, g text)`);
    }
    // Columns likewise: a warehouse's hundred thousand in a handful of statements.
    const columnRows = [...added, ...plan.changed].flatMap(({ id, table }) =>
      table.columns.map((c) => ({
        t: id,
        p: c.position,
        n: c.name,
        d: c.dbType,
        u: c.nullable,
        c: c.comment,
        k: c.primaryKey,
      })),
    );
    for (let i = 0; i < columnRows.length; i += JSON_INSERT_BATCH) {
      const batch = JSON.stringify(columnRows.slice(i, i + JSON_INSERT_BATCH));
      await tx.execute(sql`
        insert into schema_columns
          (table_id, workspace_id, connection_id, position, name, db_type, nullable, comment, primary_key)
        select r.t, ${connection.workspaceId}, ${connection.id}, r.p, r.n, r.d, r.u, r.c, r.k
        from jsonb_to_recordset(${batch}::jsonb)
          as r(t text, p int, n text, d text, u boolean, c text, k boolean)`);
    }
    const counts = {
      added: plan.added.length,
      removed: plan.removedIds.length,
      changed: plan.changed.length,
    };
    await tx
      .update(schemaRefreshes)
      .set({
        status: 'succeeded',
        ...counts,
        progressDone: read.length,
        progressTotal: read.length,
        finishedAt: now,
        updatedAt: now,
      })
      .where(eq(schemaRefreshes.id, refresh.id));
    await writeAuditEvent(
      tx,
      {
        workspaceId: connection.workspaceId,
        actorId: refresh.requestedBy,
        action: 'schema.refresh',
        target: { type: 'connection', id: connection.id },
        outcome: 'success',
        details: { refreshId: refresh.id, trigger: refresh.trigger, tables: read.length, ...counts },
      },
      now,
    );
  });
}
