import { ConnectionPermissions, UpdateConnectionPermissionsInput } from '@quarry/contracts';
import { connections, groups } from '@quarry/db/schema';
import type { TRPCRouterRecord } from '@trpc/server';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { notFound, QuarryTRPCError } from '../errors';
import { auditChange } from '../service-context';
import { workspaceProcedure } from '../trpc';
import { testConnection } from './test-connection';

const BUILT_IN = new Set(['workspace', 'workspace_guests', 'public']);

const toPermissions = (row: typeof connections.$inferSelect) => ({
  connectionId: row.id,
  name: row.name,
  groupsWithAccess: row.groupsWithAccess,
  canQuery: row.canQuery,
  canViewResults: row.canViewResults,
  canRefreshSchema:
    row.canRefreshSchema === 'admins_only' ? ('admins_only' as const) : ('can_query' as const),
});

/**
 * The permission facts of data connections (groups with access, Can query, Can view results, Can
 * refresh schema). The settings pages arrive with the vault & assets issue; the facts and their
 * enforcement are here now. Never returns credentials.
 */
export const connectionsRouter = {
  list: workspaceProcedure
    .meta({ permission: 'workspace:member' })
    .output(z.array(z.object({ id: z.string(), name: z.string(), kind: z.string(), scope: z.string() })))
    .query(({ ctx }) =>
      ctx.deps.db
        .select({
          id: connections.id,
          name: connections.name,
          kind: connections.kind,
          scope: connections.scope,
        })
        .from(connections)
        .where(eq(connections.workspaceId, ctx.actor.workspaceId)),
    ),

  permissions: workspaceProcedure
    .meta({ permission: 'workspace:admin' })
    .input(z.object({ connectionId: z.string().max(64) }))
    .output(ConnectionPermissions)
    .query(async ({ ctx, input }) => {
      const [row] = await ctx.deps.db
        .select()
        .from(connections)
        .where(
          and(eq(connections.id, input.connectionId), eq(connections.workspaceId, ctx.actor.workspaceId)),
        );
      if (!row) throw new QuarryTRPCError(notFound('connection'));
      return toPermissions(row);
    }),

  test: testConnection,

  updatePermissions: workspaceProcedure
    .meta({ permission: 'workspace:admin' })
    .input(UpdateConnectionPermissionsInput)
    .output(ConnectionPermissions)
    .mutation(async ({ ctx, input }) => {
      const { actor } = ctx;
      const named = [...input.groupsWithAccess, ...(input.canQuery ?? []), ...(input.canViewResults ?? [])];
      const custom = [...new Set(named.filter((g) => !BUILT_IN.has(g)))];
      if (custom.length) {
        const found = await ctx.deps.db
          .select({ id: groups.id })
          .from(groups)
          .where(and(eq(groups.workspaceId, actor.workspaceId), inArray(groups.id, custom)));
        if (found.length !== custom.length) throw new QuarryTRPCError(notFound('group'));
      }
      const updated = await ctx.deps.db.transaction(async (tx) => {
        const [before] = await tx
          .select()
          .from(connections)
          .where(and(eq(connections.id, input.connectionId), eq(connections.workspaceId, actor.workspaceId)));
        if (!before) return null;
        const [after] = await tx
          .update(connections)
          .set({
            groupsWithAccess: input.groupsWithAccess,
            canQuery: input.canQuery,
            canViewResults: input.canViewResults,
            canRefreshSchema: input.canRefreshSchema,
            updatedAt: ctx.deps.now(),
          })
          .where(eq(connections.id, before.id))
          .returning();
        if (!after) return null;
        const { name: _b, ...beforeFacts } = toPermissions(before);
        const { name: _a, ...afterFacts } = toPermissions(after);
        await auditChange(tx, ctx, {
          action: 'connection.permissions_change',
          target: { type: 'connection', id: before.id },
          details: { before: beforeFacts, after: afterFacts },
        });
        return after;
      });
      if (!updated) throw new QuarryTRPCError(notFound('connection'));
      return toPermissions(updated);
    }),
} satisfies TRPCRouterRecord;
