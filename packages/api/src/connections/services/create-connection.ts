import { decideWorkspaceAction } from '@quarry/access';
import { parseConnection } from '@quarry/connectors';
import {
  type ConnectionSummary,
  type CreateConnectionInput,
  type CreateProjectConnectionInput,
  err,
  ok,
  type QuarryError,
  type Result,
} from '@quarry/contracts';
import { newId } from '@quarry/db';
import { connections, projectConnections } from '@quarry/db/schema';
import { startSchemaOfNewConnection } from '../../schema/services/new-connection-schema';
import { auditChange, type ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';
import {
  nameTaken,
  nameTakenError,
  projectConnectionsEnabled,
  projectNames,
  sealSecrets,
  toSummary,
} from './connection-record';

const refusal = (reason: { code: string; message: string }): QuarryError => ({
  code: reason.code,
  message: reason.message,
  hint: 'Ask an Admin of the workspace',
});

/**
 * A workspace connection (the gate let only Admins through). `draft` saves settings that are not
 * complete yet; unknown fields are refused even then (CONN-1). Secrets are sealed as one record.
 */
export async function createConnection(
  ctx: ServiceContext,
  input: CreateConnectionInput,
): Promise<Result<ConnectionSummary>> {
  return insertConnection(ctx, { ...input, scope: 'workspace', projectId: null });
}

/**
 * A connection created from a project (the gate checked Can edit on it). A project connection
 * serves that project only; `shareWithWorkspace` (Admins only) makes it a workspace connection
 * instead. Either way the project imports it. No drafts here.
 */
export async function createProjectConnection(
  ctx: ServiceContext,
  scope: ProjectScope,
  input: CreateProjectConnectionInput,
): Promise<Result<ConnectionSummary>> {
  const check = input.shareWithWorkspace
    ? decideWorkspaceAction({ role: ctx.actor.role, action: 'connection:create_workspace' })
    : decideWorkspaceAction({
        role: ctx.actor.role,
        action: 'connection:create_project',
        projectConnectionsEnabled: await projectConnectionsEnabled(ctx.deps.db, ctx.actor.workspaceId),
      });
  if (!check.allowed) {
    return err(
      input.shareWithWorkspace
        ? {
            ...refusal(check.reason),
            message: 'Only Admins can share a connection with the workspace',
            hint: 'Turn "Share with workspace" off to create a connection for this project only',
          }
        : refusal(check.reason),
    );
  }
  return insertConnection(ctx, {
    ...input,
    draft: false,
    scope: input.shareWithWorkspace ? 'workspace' : 'project',
    projectId: input.shareWithWorkspace ? null : scope.id,
    importInto: scope.id,
  });
}

async function insertConnection(
  ctx: ServiceContext,
  input: CreateConnectionInput & {
    scope: 'workspace' | 'project';
    projectId: string | null;
    importInto?: string;
  },
): Promise<Result<ConnectionSummary>> {
  const { workspaceId, userId } = ctx.actor;
  const parsed = parseConnection({
    kind: input.kind,
    settings: input.settings,
    secrets: input.secrets,
    draft: input.draft,
  });
  if (!parsed.ok) return parsed;
  const id = newId('connection');
  const credentials = sealSecrets(ctx, { workspaceId, connectionId: id }, parsed.value.secrets);
  const created = await ctx.deps.db.transaction(async (tx) => {
    if (await nameTaken(tx, { workspaceId, name: input.name })) return null;
    const [row] = await tx
      .insert(connections)
      .values({
        id,
        workspaceId,
        name: input.name,
        kind: parsed.value.kind.kind,
        scope: input.scope,
        projectId: input.projectId,
        status: input.draft ? 'draft' : 'ready',
        settings: parsed.value.settings,
        credentials,
        storedSecrets: credentials ? Object.keys(parsed.value.secrets) : [],
        createdBy: userId,
      })
      .returning();
    if (!row) throw new Error('insert returned no row');
    if (input.importInto) {
      await tx
        .insert(projectConnections)
        .values({ projectId: input.importInto, connectionId: id, workspaceId });
    }
    await auditChange(tx, ctx, {
      action: 'connection.create',
      target: { type: 'connection', id },
      details: {
        name: row.name,
        kind: row.kind,
        scope: row.scope,
        status: row.status,
        ...(input.importInto ? { projectId: input.importInto } : {}),
      },
    });
    return row;
  });
  if (!created) return err(nameTakenError(input.name));
  await startSchemaOfNewConnection(ctx.deps, created);
  const names = await projectNames(ctx.deps.db, workspaceId, created.projectId ? [created.projectId] : []);
  return ok(
    toSummary(created, {
      projectName: created.projectId ? names.get(created.projectId) : undefined,
      usageCount: input.importInto ? 1 : 0,
      canManage: true,
      projectConnectionsEnabled: await projectConnectionsEnabled(ctx.deps.db, workspaceId),
    }),
  );
}
