import { type AssetUsage, err, ok, type Result } from '@quarry/contracts';
import { projectSecrets, projects, secrets } from '@quarry/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext, Tx } from '../../service-context';

/** The projects of this workspace that import a secret, by name (what deleting it would touch). */
export async function projectsUsingSecret(
  db: Pick<Tx, 'select'>,
  input: { workspaceId: string; secretId: string },
): Promise<AssetUsage> {
  return db
    .select({ projectId: projects.id, name: projects.name })
    .from(projectSecrets)
    .innerJoin(projects, eq(projects.id, projectSecrets.projectId))
    .where(and(eq(projectSecrets.secretId, input.secretId), eq(projects.workspaceId, input.workspaceId)))
    .orderBy(asc(projects.name), asc(projects.id));
}

/** A secret's usage list for its Admin; another workspace's secret is NOT_FOUND. */
export async function secretUsage(
  ctx: ServiceContext,
  input: { secretId: string },
): Promise<Result<AssetUsage>> {
  const { db } = ctx.deps;
  const { workspaceId } = ctx.actor;
  const [secret] = await db
    .select({ id: secrets.id })
    .from(secrets)
    .where(and(eq(secrets.id, input.secretId), eq(secrets.workspaceId, workspaceId)));
  if (!secret) return err(notFound('secret'));
  return ok(await projectsUsingSecret(db, { workspaceId, secretId: secret.id }));
}
