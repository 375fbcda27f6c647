import { err, type ImportSecretInput, ok, type Result } from '@quarry/contracts';
import { projectSecrets, secrets } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';

/** Takes a secret out of one project (the gate checked Can edit); the secret stays in the workspace. */
export async function removeProjectSecret(
  ctx: ServiceContext,
  scope: ProjectScope,
  input: ImportSecretInput,
): Promise<Result<{ removed: true }>> {
  const { workspaceId } = ctx.actor;
  return ctx.deps.db.transaction(async (tx) => {
    const [secret] = await tx
      .select({ id: secrets.id, name: secrets.name })
      .from(secrets)
      .where(and(eq(secrets.id, input.secretId), eq(secrets.workspaceId, workspaceId)));
    if (!secret) return err(notFound('secret'));
    const [removed] = await tx
      .delete(projectSecrets)
      .where(and(eq(projectSecrets.projectId, scope.id), eq(projectSecrets.secretId, secret.id)))
      .returning({ secretId: projectSecrets.secretId });
    // Not imported here: the same answer as an unknown secret, nothing to undo.
    if (!removed) return err(notFound('secret'));
    await auditChange(tx, ctx, {
      action: 'secret.remove_from_project',
      target: { type: 'secret', id: secret.id },
      details: { projectId: scope.id, name: secret.name },
    });
    return ok({ removed: true });
  });
}
