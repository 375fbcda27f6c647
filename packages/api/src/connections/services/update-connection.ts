import { parseConnection } from '@quarry/connectors';
import { type ConnectionSummary, err, ok, type Result, type UpdateConnectionInput } from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { notFound } from '../../errors';
import { startSchemaOfNewConnection } from '../../schema/services/new-connection-schema';
import { auditChange, type ServiceContext } from '../../service-context';
import {
  keptSecretsRedirected,
  loadConnection,
  nameTaken,
  nameTakenError,
  openStoredSecrets,
  projectConnectionsEnabled,
  projectNames,
  sealSecrets,
  toSummary,
  usageOf,
} from './connection-record';

/**
 * Saves an edit (the gate let only those who manage the connection through). The kind never
 * changes. A secret field sent blank or not at all keeps its stored value: the stored record is
 * opened here, in the API, only to merge it with the fields sent and seal the result again under a
 * fresh data key; it is never returned or logged. `draft` keeps a workspace draft a draft; anything
 * else is validated in full and becomes (or stays) ready.
 */
export async function updateConnection(
  ctx: ServiceContext,
  input: UpdateConnectionInput,
): Promise<Result<ConnectionSummary>> {
  const { db } = ctx.deps;
  const { workspaceId } = ctx.actor;
  const row = await loadConnection(db, workspaceId, input.connectionId);
  if (!row) return err(notFound('connection'));
  const draft = input.draft && row.scope === 'workspace' && row.status === 'draft';
  const sentSecret = Object.values(input.secrets).some((value) => value !== '');
  // Nothing new sent: the stored record stays as it is, and validation counts its fields as held.
  let stored: Record<string, string> = {};
  if (row.credentials) {
    const opened = await openStoredSecrets(ctx, row, 'edit');
    if (!opened.ok) {
      if (sentSecret) stored = {};
      else return opened;
    } else stored = opened.value;
  }
  const parsed = parseConnection({
    kind: row.kind,
    settings: input.settings,
    secrets: input.secrets,
    stored,
    draft,
  });
  if (!parsed.ok) return parsed;
  const redirected = keptSecretsRedirected({
    before: row.settings,
    after: parsed.value.settings,
    stored,
    sent: input.secrets,
  });
  if (redirected) return err(redirected);
  const credentials = sentSecret
    ? sealSecrets(ctx, { workspaceId, connectionId: row.id }, parsed.value.secrets)
    : row.credentials;
  const changedSettings = Object.keys({ ...row.settings, ...parsed.value.settings }).filter(
    (key) => JSON.stringify(row.settings[key]) !== JSON.stringify(parsed.value.settings[key]),
  );
  const updated = await db.transaction(async (tx) => {
    if (await nameTaken(tx, { workspaceId, name: input.name, exceptId: row.id })) return null;
    const [after] = await tx
      .update(connections)
      .set({
        name: input.name,
        settings: parsed.value.settings,
        credentials,
        storedSecrets: sentSecret
          ? credentials
            ? Object.keys(parsed.value.secrets)
            : []
          : row.storedSecrets,
        status: draft ? 'draft' : 'ready',
        // A pinned SSH host key belongs to the server it was seen on: a new SSH host or port is
        // pinned again by its first successful test.
        ...(sshServerChanged(changedSettings) ? { sshHostKey: null } : {}),
        updatedAt: ctx.deps.now(),
      })
      .where(eq(connections.id, row.id))
      .returning();
    if (!after) throw new Error('update returned no row');
    await auditChange(tx, ctx, {
      action: 'connection.update',
      target: { type: 'connection', id: row.id },
      // Which fields changed, never their values.
      details: {
        name: after.name,
        ...(after.name !== row.name ? { renamedFrom: row.name } : {}),
        changedSettings,
        secretsReplaced: Object.entries(input.secrets)
          .filter(([, value]) => value !== '')
          .map(([name]) => name),
        status: after.status,
      },
    });
    return after;
  });
  if (!updated) return err(nameTakenError(input.name));
  // A draft completed now is a new connection to the schema browser: first refresh, schedule.
  if (row.status === 'draft' && updated.status === 'ready')
    await startSchemaOfNewConnection(ctx.deps, updated);
  const [usage, enabled, names] = await Promise.all([
    usageOf(db, workspaceId, row.id),
    projectConnectionsEnabled(db, workspaceId),
    projectNames(db, workspaceId, row.projectId ? [row.projectId] : []),
  ]);
  return ok(
    toSummary(updated, {
      projectName: row.projectId ? names.get(row.projectId) : undefined,
      usageCount: usage.length,
      canManage: true,
      projectConnectionsEnabled: enabled,
    }),
  );
}

const sshServerChanged = (changedSettings: readonly string[]) =>
  changedSettings.includes('sshHost') || changedSettings.includes('sshPort');
