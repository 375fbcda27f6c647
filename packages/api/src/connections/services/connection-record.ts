import { connectorKind } from '@quarry/connectors';
import { type ConnectionSummary, err, ok, type QuarryError, type Result } from '@quarry/contracts';
import { writeAuditEvent } from '@quarry/db/audit';
import {
  connectionCredentialsContext,
  connections,
  projectConnections,
  projects,
  workspaces,
} from '@quarry/db/schema';
import { and, asc, count, eq, getTableColumns, inArray, ne, sql } from 'drizzle-orm';
import type { ServiceContext, Tx } from '../../service-context';

export type ConnectionRow = typeof connections.$inferSelect;
type Reader = Pick<Tx, 'select'>;

/** One connection of the caller's workspace, or undefined (another workspace's id included). */
export async function loadConnection(
  db: Reader,
  workspaceId: string,
  connectionId: string,
): Promise<ConnectionRow | undefined> {
  const [row] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.id, connectionId), eq(connections.workspaceId, workspaceId)));
  return row;
}

/**
 * Whether another connection of the workspace already has this name (names are compared as typed).
 * Inside the transaction that saves the name: a lock per workspace keeps two saves of one name from
 * both passing the check.
 */
export async function nameTaken(
  tx: Pick<Tx, 'select' | 'execute'>,
  input: { workspaceId: string; name: string; exceptId?: string },
): Promise<boolean> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`connection-names:${input.workspaceId}`}, 0))`,
  );
  const [row] = await tx
    .select({ id: connections.id })
    .from(connections)
    .where(
      and(
        eq(connections.workspaceId, input.workspaceId),
        eq(connections.name, input.name),
        input.exceptId ? ne(connections.id, input.exceptId) : undefined,
      ),
    )
    .limit(1);
  return row !== undefined;
}

export const nameTakenError = (name: string): QuarryError => ({
  code: 'connections.name_taken',
  message: `A connection named '${name}' already exists in this workspace`,
  hint: 'Choose another name',
  details: { field: 'name' },
});

/**
 * The kind's secret fields sealed as one JSON object under the connection's own context, or null
 * when none holds a value (a draft, or a server without a password).
 */
export function sealSecrets(
  ctx: ServiceContext,
  record: { workspaceId: string; connectionId: string },
  secrets: Record<string, string>,
): Buffer | null {
  if (Object.keys(secrets).length === 0) return null;
  return ctx.deps.vault.seal(
    JSON.stringify(secrets),
    connectionCredentialsContext(record.workspaceId, record.connectionId),
  );
}

/**
 * A connection's stored secrets, opened only to merge them with an edit (or an unsaved test) before
 * they are sealed again. Audited like every unwrap; the values never leave the calling service.
 */
export async function openStoredSecrets(
  ctx: ServiceContext,
  row: ConnectionRow,
  purpose: 'edit' | 'test_edit',
): Promise<Result<Record<string, string>>> {
  if (!row.credentials) return ok({});
  const opened = ctx.deps.vault.openText(
    row.credentials,
    connectionCredentialsContext(row.workspaceId, row.id),
  );
  await ctx.deps.db.transaction((tx) =>
    writeAuditEvent(
      tx,
      {
        workspaceId: row.workspaceId,
        actorId: ctx.actor.userId,
        action: 'connection.credentials_unwrap',
        target: { type: 'connection', id: row.id },
        outcome: opened.ok ? 'success' : 'failure',
        ip: ctx.request.ip,
        requestId: ctx.request.requestId,
        details: { purpose },
      },
      ctx.deps.now(),
    ),
  );
  if (!opened.ok) {
    ctx.deps.log.error(
      { connectionId: row.id, code: opened.error.code },
      'stored credentials could not be opened',
    );
    return err({
      code: 'vault.unwrap_failed',
      message: 'The stored credentials could not be decrypted',
      hint: 'Enter every credential again and save',
    });
  }
  return ok(JSON.parse(opened.value) as Record<string, string>);
}

/** How many projects import each connection. */
export async function usageCounts(db: Reader, workspaceId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ connectionId: projectConnections.connectionId, n: count() })
    .from(projectConnections)
    .innerJoin(projects, eq(projects.id, projectConnections.projectId))
    .where(eq(projects.workspaceId, workspaceId))
    .groupBy(projectConnections.connectionId);
  return new Map(rows.map((r) => [r.connectionId, r.n]));
}

/** The names of the projects project connections serve. */
export async function projectNames(
  db: Reader,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: projects.id, name: projects.name })
    .from(projects)
    .where(and(eq(projects.workspaceId, workspaceId), inArray(projects.id, [...new Set(ids)])));
  return new Map(rows.map((r) => [r.id, r.name]));
}

export const PROJECT_CONNECTIONS_DISABLED = {
  code: 'access.project_connections_disabled',
  message: 'Project data connections are switched off in this workspace',
} as const;

/** A connection's columns except its sealed credentials: what a list reads (it never opens them). */
const { credentials: _sealed, ...listed } = getTableColumns(connections);
export const LISTED_CONNECTION_COLUMNS = listed;

/** A row as a list shows it: never a setting value, never a secret. */
export function toSummary(
  row: Omit<ConnectionRow, 'credentials'>,
  extra: {
    projectName: string | undefined;
    usageCount: number;
    canManage: boolean;
    projectConnectionsEnabled: boolean;
  },
): ConnectionSummary {
  const kind = connectorKind(row.kind);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    kindLabel: kind?.label ?? row.kind,
    tier: kind?.tier ?? 3,
    scope: row.scope,
    project: row.projectId ? { id: row.projectId, name: extra.projectName ?? '' } : null,
    status: row.status,
    isDefault: row.isDefault,
    usageCount: extra.usageCount,
    canManage: extra.canManage,
    unavailable:
      row.scope === 'project' && !extra.projectConnectionsEnabled
        ? { ...PROJECT_CONNECTIONS_DISABLED }
        : null,
    updatedAt: row.updatedAt,
  };
}

/** The workspace switch for project data connections (on unless an Admin switched it off). */
export async function projectConnectionsEnabled(db: Reader, workspaceId: string): Promise<boolean> {
  const [row] = await db
    .select({ enabled: workspaces.projectConnectionsEnabled })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  return row?.enabled ?? true;
}

/** The projects importing a connection, by name. */
export async function usageOf(db: Reader, workspaceId: string, connectionId: string) {
  return db
    .select({ projectId: projects.id, name: projects.name })
    .from(projectConnections)
    .innerJoin(projects, eq(projects.id, projectConnections.projectId))
    .where(and(eq(projectConnections.connectionId, connectionId), eq(projects.workspaceId, workspaceId)))
    .orderBy(asc(projects.name));
}

/**
 * Settings that say where the credentials are sent. Changing one needs every stored secret typed
 * again: otherwise anyone who may edit a connection could point it at a server of their own and
 * have Quarry hand it a password they never knew.
 */
const DESTINATION_SETTINGS = [
  'host',
  'port',
  'sslMode',
  // The CA decides which server is trusted to be the database: another CA, another server.
  'caCertificate',
  'username',
  // Through a tunnel the SSH server connects to the database: a server of one's own there could
  // answer as the database and ask for the stored password.
  'sshHost',
  'sshPort',
  'sshUsername',
] as const;

const DESTINATION_LABELS: Record<(typeof DESTINATION_SETTINGS)[number], string> = {
  host: 'host',
  port: 'port',
  sslMode: 'SSL/TLS setting',
  caCertificate: 'CA certificate',
  username: 'user name',
  sshHost: 'SSH host',
  sshPort: 'SSH port',
  sshUsername: 'SSH user name',
};

/**
 * Refuses keeping stored secrets (fields sent blank) when the edit changes where they are sent; null
 * when nothing stored would follow the connection somewhere new.
 */
export function keptSecretsRedirected(input: {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  stored: Record<string, string>;
  sent: Record<string, string>;
}): QuarryError | null {
  // A draft saved with a password and no host yet counts as moving too: the password was typed
  // for no server in particular, and completing the draft sends it to the one named now.
  const moved = DESTINATION_SETTINGS.filter(
    (field) => JSON.stringify(input.before[field]) !== JSON.stringify(input.after[field]),
  );
  if (moved.length === 0) return null;
  const kept = Object.keys(input.stored).find((name) => (input.sent[name] ?? '') === '');
  if (kept === undefined) return null;
  return {
    code: 'connections.invalid_settings',
    message: `Enter the ${kept} again: the ${DESTINATION_LABELS[moved[0] ?? 'host']} changed, and a stored ${kept} only goes where it was first entered for`,
    hint: 'Type the credentials for the new server, then save or test again',
    details: { field: kept },
  };
}
