import {
  canShareAtPermission,
  decideGrantChange,
  type GrantChannel,
  type ProjectAccess,
} from '@quarry/access';
import { err, ok, type Result, type ShareTarget } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { projectGrants } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { auditChange, type ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';
import { resolveShareTarget } from './share-targets';

type Granted = { granted: ProjectAccess };

/**
 * Grants (or with `none`, removes) a permission on the project through the share dialog. Refused
 * with the engine's reason for Public (that is "share with the web"), for a grant above the
 * sharer's own (before or after the change), and when the target could not use an asset the
 * project needs (the seed: "Hex will try to prevent you").
 */
export function shareProject(
  ctx: ServiceContext,
  scope: ProjectScope,
  input: { target: ShareTarget; permission: ProjectAccess },
): Promise<Result<Granted>> {
  return changeGrant(ctx, scope, { ...input, channel: 'share' });
}

/** "Share with the web": grants (or removes) Public Can view, the only way Public is ever granted. */
export function shareWithWeb(
  ctx: ServiceContext,
  scope: ProjectScope,
  enabled: boolean,
): Promise<Result<Granted>> {
  return changeGrant(ctx, scope, {
    target: { kind: 'group', groupId: 'public' },
    permission: enabled ? 'can_view' : 'none',
    channel: 'web',
  });
}

const HINTS: Partial<Record<string, string>> = {
  'access.public_only_through_web': 'Turn on Share with the web in the share dialog (it needs Full access)',
  'access.change_above_own': 'Ask someone with Full access on the project to change it',
  'access.grant_above_own': 'Share at your own permission or below',
};

async function changeGrant(
  ctx: ServiceContext,
  scope: ProjectScope,
  input: { target: ShareTarget; permission: ProjectAccess; channel: GrantChannel },
): Promise<Result<Granted>> {
  const target = await resolveShareTarget(ctx, input.target);
  if (!target.ok) return target;
  const match =
    input.target.kind === 'user'
      ? eq(projectGrants.userId, input.target.userId)
      : eq(projectGrants.groupId, input.target.groupId);
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    // The row is locked while the rule is decided, so a concurrent change cannot slip between.
    const [current] = await tx
      .select({ permission: projectGrants.permission })
      .from(projectGrants)
      .where(and(eq(projectGrants.projectId, scope.id), match))
      .for('update');
    const before: ProjectAccess = current?.permission ?? 'none';
    const check = decideGrantChange({
      sharer: scope.decision.effective,
      target:
        input.target.kind === 'user' ? { kind: 'user' } : { kind: 'group', groupId: input.target.groupId },
      current: before,
      next: input.permission,
      channel: input.channel,
    });
    if (!check.allowed) {
      const hint = HINTS[check.reason.code];
      return err({ ...check.reason, ...(hint ? { hint } : {}) });
    }
    if (input.permission !== 'none') {
      const assets = canShareAtPermission(scope.facts, target.value, input.permission);
      if (!assets.allowed) {
        return err({
          ...assets.reason,
          hint: 'Share at Can explore or Can view, or ask an Admin to give them access',
        });
      }
    }
    await tx.delete(projectGrants).where(and(eq(projectGrants.projectId, scope.id), match));
    if (input.permission !== 'none') {
      await tx.insert(projectGrants).values({
        id: newId('grant'),
        workspaceId: ctx.actor.workspaceId,
        projectId: scope.id,
        userId: input.target.kind === 'user' ? input.target.userId : null,
        groupId: input.target.kind === 'group' ? input.target.groupId : null,
        permission: input.permission,
      });
    }
    await auditChange(
      tx,
      ctx,
      {
        action: 'project.share',
        target: { type: 'project', id: scope.id },
        details: { to: input.target, before, after: input.permission },
      },
      now,
    );
    return ok({ granted: input.permission });
  });
}
