import { hasAssetAccess } from '@quarry/access';
import { err, type ImportSecretInput, ok, type ProjectSecret, type Result } from '@quarry/contracts';
import { projectSecrets, secrets } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';
import { alreadyImported, noSecretAccess } from '../errors';

/**
 * Imports a shared secret into a project the caller can edit (the gate checked Can edit). Only a
 * secret shared with one of the caller's groups (any, for an Admin) may be imported: importing one
 * would otherwise also downgrade every other editor outside its groups without their say.
 */
export async function importSecret(
  ctx: ServiceContext,
  scope: ProjectScope,
  input: ImportSecretInput,
): Promise<Result<ProjectSecret>> {
  const { workspaceId, userId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    // Held until commit, so a delete of the secret waits for this import or finds it done.
    const [secret] = await tx
      .select({ id: secrets.id, name: secrets.name, groupsWithAccess: secrets.groupsWithAccess })
      .from(secrets)
      .where(and(eq(secrets.id, input.secretId), eq(secrets.workspaceId, workspaceId)))
      .for('share');
    if (!secret) return err(notFound('secret'));
    // The gate's member facts: current role and custom groups, read for this request.
    if (!hasAssetAccess(scope.facts.actor, { kind: 'secret', ...secret })) {
      return err(noSecretAccess(secret.name));
    }
    const [added] = await tx
      .insert(projectSecrets)
      .values({ projectId: scope.id, secretId: secret.id, workspaceId, importedBy: userId, createdAt: now })
      .onConflictDoNothing()
      .returning({ secretId: projectSecrets.secretId });
    if (!added) return err(alreadyImported(secret.name));
    await auditChange(
      tx,
      ctx,
      {
        action: 'secret.import',
        target: { type: 'secret', id: secret.id },
        details: { projectId: scope.id, name: secret.name },
      },
      now,
    );
    return ok({ id: secret.id, name: secret.name });
  });
}
