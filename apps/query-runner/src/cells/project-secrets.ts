import { err, ok, type ProjectPermission, type Result } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { writeAuditEvent } from '@quarry/db/audit';
import { projectSecrets, projects, secrets, secretValueContext } from '@quarry/db/schema';
import type { Vault } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import type { CellRunError } from './cell-errors';

/** The project permissions whose runs get the project's secrets in their kernel (the seed). */
const SECRETS_PERMISSIONS: ReadonlySet<ProjectPermission> = new Set(['can_edit', 'full_access']);

/**
 * The shared secrets imported into a run's project, by name, unsealed by the vault under each
 * secret's own context — only for a run whose owner holds Can edit or Full access on the project
 * now; for anyone else nothing is read or unsealed at all (the kernel pool drops them too). Every
 * unseal is audited (which secret, for which run); the values go nowhere but the kernel.
 */
export async function loadRunSecrets(
  deps: { db: Db; vault: Vault; now: () => Date },
  input: {
    workspaceId: string;
    projectId: string;
    runId: string;
    ownerId: string;
    permission: ProjectPermission | 'none';
  },
): Promise<Result<Record<string, string> | undefined, CellRunError>> {
  if (input.permission === 'none' || !SECRETS_PERMISSIONS.has(input.permission)) return ok(undefined);
  // Through the project's own workspace, as the permission facts read them.
  const rows = await deps.db
    .select({ id: secrets.id, name: secrets.name, value: secrets.value })
    .from(projectSecrets)
    .innerJoin(projects, eq(projects.id, projectSecrets.projectId))
    .innerJoin(
      secrets,
      and(eq(secrets.id, projectSecrets.secretId), eq(secrets.workspaceId, projects.workspaceId)),
    )
    .where(and(eq(projects.workspaceId, input.workspaceId), eq(projectSecrets.projectId, input.projectId)));
  if (rows.length === 0) return ok(undefined);
  const values: Record<string, string> = {};
  let failed: string | undefined;
  for (const row of rows) {
    const opened = deps.vault.openText(row.value, secretValueContext(input.workspaceId, row.id));
    if (!opened.ok) {
      failed = row.id;
      break;
    }
    values[row.name] = opened.value;
  }
  await deps.db.transaction(async (tx) => {
    for (const row of rows) {
      await writeAuditEvent(
        tx,
        {
          workspaceId: input.workspaceId,
          actorId: input.ownerId,
          action: 'secret.value_unwrap',
          target: { type: 'secret', id: row.id },
          outcome: failed === row.id ? 'failure' : 'success',
          details: { runId: input.runId },
        },
        deps.now(),
      );
      if (failed === row.id) break;
    }
  });
  if (failed) {
    return err({
      code: 'vault.unwrap_failed',
      message: 'A secret of this project could not be decrypted',
      hint: 'An Admin should set the secret’s value again in Settings → Secrets',
      kind: 'system',
    });
  }
  return ok(values);
}
