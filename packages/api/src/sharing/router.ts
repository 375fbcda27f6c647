import {
  DuplicateProjectInput,
  EditorsCanShareInput,
  GetSharingInput,
  ProjectSharing,
  ShareProjectInput,
  ShareWithWebInput,
} from '@quarry/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { unwrapOrThrow } from '../errors';
import { type ProjectScope, workspaceProcedure } from '../trpc';
import { duplicateProject } from './duplicate-project';
import { getSharing, setEditorsCanShare, shareProject, shareWithWeb } from './sharing-service';

/** The gate put the project's facts and the caller's decision on ctx.project for these procedures. */
const scopeOf = (project: ProjectScope | null) => {
  if (!project) throw new Error('project-scoped procedure without a project scope');
  return { id: project.id, facts: project.facts, effective: project.decision.effective };
};

export const sharingRouter = {
  /**
   * Who has access lists every member's email: Can explore and up see it, not the app-only
   * audience (Viewers, Guests at Can view, the web).
   */
  get: workspaceProcedure
    .meta({ permission: 'project:explore' })
    .input(GetSharingInput)
    .output(ProjectSharing)
    .query(({ ctx }) => getSharing(ctx.deps, ctx.actor, scopeOf(ctx.project))),

  share: workspaceProcedure
    .meta({ permission: 'project:share' })
    .input(ShareProjectInput)
    .output(z.object({ granted: z.string() }))
    .mutation(async ({ ctx, input }) =>
      unwrapOrThrow(await shareProject(ctx.deps, ctx.actor, scopeOf(ctx.project), input, ctx.request)),
    ),

  /** Anonymous visitors are members of Public only: sharing with the web grants Public Can view. */
  shareWithWeb: workspaceProcedure
    .meta({ permission: 'project:full' })
    .input(ShareWithWebInput)
    .output(z.object({ granted: z.string() }))
    .mutation(async ({ ctx, input }) =>
      unwrapOrThrow(
        await shareWithWeb(ctx.deps, ctx.actor, scopeOf(ctx.project), input.enabled, ctx.request),
      ),
    ),

  setEditorsCanShare: workspaceProcedure
    .meta({ permission: 'project:full' })
    .input(EditorsCanShareInput)
    .output(z.object({ editorsCanShare: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await setEditorsCanShare(ctx.deps, ctx.actor, input.projectId, input.enabled, ctx.request);
      return { editorsCanShare: input.enabled };
    }),

  duplicate: workspaceProcedure
    .meta({ permission: 'project:edit' })
    .input(DuplicateProjectInput)
    .output(z.object({ projectId: z.string(), droppedConnections: z.number() }))
    .mutation(async ({ ctx, input }) =>
      unwrapOrThrow(await duplicateProject(ctx.deps, ctx.actor, scopeOf(ctx.project), input, ctx.request)),
    ),
} satisfies TRPCRouterRecord;
