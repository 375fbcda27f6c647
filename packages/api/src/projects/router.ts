import { GetProjectInput, ProjectDetail, ProjectSummary, UpdateCellInput } from '@quarry/contracts';
import { cells, projects } from '@quarry/db/schema';
import type { TRPCRouterRecord } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { notFound, QuarryTRPCError } from '../errors';
import { workspaceProcedure } from '../trpc';
import { getProject, listProjects } from './project-service';

export const projectsRouter = {
  list: workspaceProcedure
    .meta({ permission: 'workspace:member' })
    .output(z.array(ProjectSummary))
    .query(({ ctx }) => listProjects(ctx.deps, ctx.actor)),

  get: workspaceProcedure
    .meta({ permission: 'project:view' })
    .input(GetProjectInput)
    .output(ProjectDetail)
    .query(async ({ ctx, input }) => {
      // `none` would hide the logic too; the gate never lets a caller without Can view this far.
      const detail = await getProject(
        ctx.deps,
        ctx.actor,
        input.projectId,
        ctx.project?.decision.effective ?? 'none',
      );
      if (!detail) throw new QuarryTRPCError(notFound('project'));
      return detail;
    }),

  updateCell: workspaceProcedure
    .meta({ permission: 'project:edit' })
    .input(UpdateCellInput)
    .output(z.object({ updatedAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.deps.now();
      const rows = await ctx.deps.db
        .update(cells)
        .set({ source: input.source, updatedAt: now })
        .where(
          and(
            eq(cells.id, input.cellId),
            eq(cells.projectId, input.projectId),
            eq(cells.workspaceId, ctx.actor.workspaceId),
          ),
        )
        .returning({ id: cells.id });
      if (!rows.length) throw new QuarryTRPCError(notFound('cell'));
      await ctx.deps.db.update(projects).set({ updatedAt: now }).where(eq(projects.id, input.projectId));
      return { updatedAt: now };
    }),
} satisfies TRPCRouterRecord;
