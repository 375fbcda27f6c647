import { type DeleteSecretResult, err, ok, type Result } from '@quarry/contracts';
import { projectSecrets, secrets } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { secretFacts } from './secret-summaries';
import { projectsUsingSecret } from './secret-usage';

/**
 * Deletes a secret and removes it from every project that imported it; it cannot be undone. The
 * audit entry keeps its name, groups and the usage list at the time of deletion, never the value.
 */
export async function deleteSecret(
  ctx: ServiceContext,
  input: { secretId: string },
): Promise<Result<DeleteSecretResult>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    // Locked first, so an import racing this one waits and then finds no secret.
    const [secret] = await tx
      .select(secretFacts)
      .from(secrets)
      .where(and(eq(secrets.id, input.secretId), eq(secrets.workspaceId, workspaceId)))
      .for('update');
    if (!secret) return err(notFound('secret'));
    const usage = await projectsUsingSecret(tx, { workspaceId, secretId: secret.id });
    // Every import goes, whatever workspace a stray link row claims: the secret itself is gone.
    const removed = await tx
      .delete(projectSecrets)
      .where(eq(projectSecrets.secretId, secret.id))
      .returning({ projectId: projectSecrets.projectId });
    await tx.delete(secrets).where(eq(secrets.id, secret.id));
    await auditChange(
      tx,
      ctx,
      {
        action: 'secret.delete',
        target: { type: 'secret', id: secret.id },
        details: {
          before: { name: secret.name, groupsWithAccess: secret.groupsWithAccess },
          usage,
        },
      },
      now,
    );
    return ok({ removedFromProjects: removed.length });
  });
}
