import {
  err,
  ok,
  type Result,
  SchemaFilter,
  type SchemaSettings,
  type UpdateSchemaSettingsInput,
} from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { cadenceOf, syncRefreshSchedule } from './refresh-schedule';
import { requestRefresh } from './request-refresh';

const load = async (ctx: ServiceContext, connectionId: string) =>
  (
    await ctx.deps.db
      .select()
      .from(connections)
      .where(and(eq(connections.id, connectionId), eq(connections.workspaceId, ctx.actor.workspaceId)))
  )[0];

const settingsOf = (row: typeof connections.$inferSelect): SchemaSettings => ({
  connectionId: row.id,
  cadence: cadenceOf(row),
  // Stored by updateSchemaSettings after this same parse; parsed again so an odd row reads as no rules.
  filter: SchemaFilter.safeParse(row.schemaFilter).data ?? { include: [], exclude: [] },
  scheduleAvailable: row.scope === 'workspace',
});

/** A connection's schema browsing settings (the gate let those who manage it through). */
export async function schemaSettings(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<SchemaSettings>> {
  const row = await load(ctx, input.connectionId);
  return row ? ok(settingsOf(row)) : err(notFound('connection'));
}

/**
 * Sets the refresh cadence (workspace connections only, as the seed says) and the schema filter,
 * moves the connection's pg-boss schedule to match, and refreshes at once when the filter changed,
 * so the browser shows what the new rules keep.
 */
export async function updateSchemaSettings(
  ctx: ServiceContext,
  input: UpdateSchemaSettingsInput,
): Promise<Result<SchemaSettings>> {
  const row = await load(ctx, input.connectionId);
  if (!row) return err(notFound('connection'));
  if (row.scope !== 'workspace' && input.cadence !== 'off') {
    return err({
      code: 'schema.schedule_workspace_only',
      message: 'Scheduled schema refresh is available for workspace connections only',
      hint: 'Refresh this connection from the data browser, or share it with the workspace',
    });
  }
  const filterChanged = JSON.stringify(row.schemaFilter) !== JSON.stringify(input.filter);
  const updated = await ctx.deps.db.transaction(async (tx) => {
    const [saved] = await tx
      .update(connections)
      .set({ refreshCadence: input.cadence, schemaFilter: input.filter, updatedAt: ctx.deps.now() })
      .where(and(eq(connections.id, row.id), eq(connections.workspaceId, ctx.actor.workspaceId)))
      .returning();
    await auditChange(tx, ctx, {
      action: 'connection.schema_settings',
      target: { type: 'connection', id: row.id },
      details: {
        cadence: input.cadence,
        includeRules: input.filter.include.length,
        excludeRules: input.filter.exclude.length,
      },
    });
    return saved;
  });
  if (!updated) return err(notFound('connection'));
  await syncRefreshSchedule(ctx.deps, updated);
  if (filterChanged && updated.status === 'ready') {
    const started = await requestRefresh(
      ctx.deps,
      {
        workspaceId: updated.workspaceId,
        connectionId: updated.id,
        trigger: 'manual',
        requestedBy: ctx.actor.userId,
        request: ctx.request,
      },
      { showCause: true },
    );
    if (!started.ok)
      ctx.deps.log.warn(
        { connectionId: updated.id, code: started.error.code },
        'schema refresh after a filter change not started',
      );
  }
  return ok(settingsOf(updated));
}
