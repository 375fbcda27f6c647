import { err, ok, type Result, type SecretSummary, type UpdateSecretInput } from '@quarry/contracts';
import { secrets, secretValueContext } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { checkWorkspaceGroups } from '../../groups/services/check-workspace-groups';
import { auditChange, type ServiceContext } from '../../service-context';
import { checkSecretName, lockWorkspaceSecrets } from './secret-names';
import { secretFacts, toSecretSummary, usageCounts } from './secret-summaries';

/**
 * Renames a secret, changes who may use it and, when a new value is given, replaces the value. A
 * blank or absent value keeps the stored one (the form never shows it, so a blank field means
 * "unchanged"). The audit entry says whether the value changed, never what it is.
 */
export async function updateSecret(
  ctx: ServiceContext,
  input: UpdateSecretInput,
): Promise<Result<SecretSummary>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    const groupsWithAccess = await checkWorkspaceGroups(tx, {
      workspaceId,
      groups: input.groupsWithAccess,
    });
    if (!groupsWithAccess.ok) return groupsWithAccess;
    await lockWorkspaceSecrets(tx, workspaceId);
    const [before] = await tx
      .select(secretFacts)
      .from(secrets)
      .where(and(eq(secrets.id, input.secretId), eq(secrets.workspaceId, workspaceId)))
      .for('update');
    if (!before) return err(notFound('secret'));
    const free = await checkSecretName(tx, { workspaceId, name: input.name, exceptSecretId: before.id });
    if (!free.ok) return free;
    const valueReplaced = input.value !== undefined && input.value !== '';
    const [after] = await tx
      .update(secrets)
      .set({
        name: input.name,
        groupsWithAccess: groupsWithAccess.value,
        updatedAt: now,
        ...(valueReplaced
          ? { value: ctx.deps.vault.seal(input.value ?? '', secretValueContext(workspaceId, before.id)) }
          : {}),
      })
      .where(eq(secrets.id, before.id))
      .returning(secretFacts);
    if (!after) return err(notFound('secret'));
    await auditChange(
      tx,
      ctx,
      {
        action: 'secret.update',
        target: { type: 'secret', id: before.id },
        details: {
          before: { name: before.name, groupsWithAccess: before.groupsWithAccess },
          after: { name: after.name, groupsWithAccess: after.groupsWithAccess },
          valueReplaced,
        },
      },
      now,
    );
    const uses = await usageCounts(tx, { workspaceId, secretIds: [after.id] });
    return ok(toSecretSummary(after, { usageCount: uses.get(after.id) ?? 0, canManage: true }));
  });
}
