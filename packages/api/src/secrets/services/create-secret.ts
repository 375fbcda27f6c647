import { type CreateSecretInput, ok, type Result, type SecretSummary } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { secrets, secretValueContext } from '@quarry/db/schema';
import { checkWorkspaceGroups } from '../../groups/services/check-workspace-groups';
import { auditChange, type ServiceContext } from '../../service-context';
import { checkSecretName, lockWorkspaceSecrets } from './secret-names';
import { toSecretSummary } from './secret-summaries';

/**
 * An Admin's new shared secret. The value is sealed by the vault under the secret's own context
 * (workspace, id, purpose), so a sealed value copied to another row does not open; it appears in no
 * answer and no audit entry.
 */
export async function createSecret(
  ctx: ServiceContext,
  input: CreateSecretInput,
): Promise<Result<SecretSummary>> {
  const { workspaceId, userId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    const groupsWithAccess = await checkWorkspaceGroups(tx, {
      workspaceId,
      groups: input.groupsWithAccess,
    });
    if (!groupsWithAccess.ok) return groupsWithAccess;
    await lockWorkspaceSecrets(tx, workspaceId);
    const free = await checkSecretName(tx, { workspaceId, name: input.name });
    if (!free.ok) return free;
    const id = newId('secret');
    const row = { id, name: input.name, groupsWithAccess: groupsWithAccess.value, updatedAt: now };
    await tx.insert(secrets).values({
      ...row,
      workspaceId,
      value: ctx.deps.vault.seal(input.value, secretValueContext(workspaceId, id)),
      createdBy: userId,
      createdAt: now,
    });
    await auditChange(
      tx,
      ctx,
      {
        action: 'secret.create',
        target: { type: 'secret', id },
        details: { before: null, after: { name: row.name, groupsWithAccess: row.groupsWithAccess } },
      },
      now,
    );
    return ok(toSecretSummary(row, { usageCount: 0, canManage: true }));
  });
}
