import { hashPassword } from '@quarry/auth';
import type { InputConfig } from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { newId } from '@quarry/db';
import { writeAuditEvent } from '@quarry/db/audit';
import {
  cells,
  connectionCredentialsContext,
  connections,
  projectConnections,
  projects,
  users,
  workspaceMembers,
  workspaces,
} from '@quarry/db/schema';
import type { Vault } from '@quarry/vault';
import { eq, sql } from 'drizzle-orm';

export type DemoWarehouse = {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  /** Always encrypted (PostgreSQL TLS is required); verify-ca checks against `caCertificate`. */
  sslMode: 'require' | 'verify-ca' | 'verify-full';
  /** PEM text of the CA that signed the warehouse's certificate (the embedded server's own). */
  caCertificate?: string;
};

/** The demo notebook's SQL cell: it reads the `status` input above it, bound as a parameter. */
export const DEMO_SQL = `-- Orders of the chosen status by channel, over the last 90 days of orders
select channel, count(*)::int as orders, sum(total) as revenue
from orders
where status = {{status}}
  and ordered_at > (select max(ordered_at) from orders) - interval '90 days'
group by channel
order by revenue desc;`;

/** The demo notebook's JS cell: a summary of the SQL cell's rows (numbers arrive as exact text). */
export const DEMO_JS = `const orders = orders_by_status.reduce((n, row) => n + Number(row.orders), 0);
const revenue = orders_by_status.reduce((sum, row) => sum + Number(row.revenue), 0);
return { status, channels: orders_by_status.length, orders, revenue: revenue.toFixed(2) };`;

const DEMO_MARKDOWN = `# Orders overview

Pick an order **status** in the input below. The SQL cell counts that status's orders and revenue
per sales channel over the last 90 days of orders: \`{{status}}\` is sent to the warehouse as a bound
query parameter, never pasted into the SQL. The JS cell reads the SQL cell's rows by its name,
\`orders_by_status\`, and sums them up.`;

/** The statuses of the demo warehouse's orders (packages/db demo-warehouse), offered by the input. */
const DEMO_STATUSES = ['delivered', 'shipped', 'processing', 'cancelled', 'returned'];

/**
 * The demo workspace `npm start` opens on: an Admin, a workspace connection to the demo warehouse
 * (password sealed by the vault) and a project that is a small notebook: a Markdown cell saying what
 * it does, a `status` input, the SQL cell reading it and a JS cell summing the SQL cell's rows. Idempotent: a second start finds
 * the Admin and only refreshes the connection's credentials.
 */
export async function seedDemoWorkspace(
  deps: { db: Db; vault: Vault },
  input: { adminEmail: string; adminPassword: string; warehouse: DemoWarehouse },
): Promise<{ workspaceId: string; projectId: string; created: boolean }> {
  const { db, vault } = deps;
  const [existing] = await db
    .select({ userId: users.id, workspaceId: workspaceMembers.workspaceId })
    .from(users)
    .innerJoin(workspaceMembers, eq(workspaceMembers.userId, users.id))
    .where(sql`lower(${users.email}) = ${input.adminEmail.toLowerCase()}`)
    .limit(1);
  if (existing) {
    const [project] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(eq(projects.workspaceId, existing.workspaceId))
      .limit(1);
    const demoConnections = await db
      .select()
      .from(connections)
      .where(eq(connections.workspaceId, existing.workspaceId));
    for (const connection of demoConnections.filter((c) => c.name === 'Demo warehouse')) {
      await db
        .update(connections)
        .set({
          ...warehouseFields(input.warehouse),
          credentials: vault.seal(
            JSON.stringify({ password: input.warehouse.password }),
            connectionCredentialsContext(existing.workspaceId, connection.id),
          ),
        })
        .where(eq(connections.id, connection.id));
    }
    return { workspaceId: existing.workspaceId, projectId: project?.id ?? '', created: false };
  }

  const workspaceId = newId('workspace');
  const userId = newId('user');
  const connectionId = newId('connection');
  const projectId = newId('project');
  const passwordHash = await hashPassword(input.adminPassword);
  await db.transaction(async (tx) => {
    await tx.insert(workspaces).values({ id: workspaceId, name: 'Demo workspace' });
    await tx.insert(users).values({ id: userId, email: input.adminEmail, name: 'Demo Admin', passwordHash });
    await tx.insert(workspaceMembers).values({ workspaceId, userId, role: 'admin' });
    await tx.insert(connections).values({
      id: connectionId,
      workspaceId,
      name: 'Demo warehouse',
      kind: 'postgres',
      scope: 'workspace',
      // New SQL cells use it unless someone picks another.
      isDefault: true,
      ...warehouseFields(input.warehouse),
      credentials: vault.seal(
        JSON.stringify({ password: input.warehouse.password }),
        connectionCredentialsContext(workspaceId, connectionId),
      ),
      createdBy: userId,
    });
    await tx
      .insert(projects)
      .values({ id: projectId, workspaceId, name: 'Orders overview', createdBy: userId });
    await tx.insert(projectConnections).values({ projectId, connectionId, workspaceId });
    const cell = { workspaceId, projectId };
    await tx.insert(cells).values([
      { ...cell, id: newId('cell'), position: 0, name: 'about', kind: 'markdown', source: DEMO_MARKDOWN },
      {
        ...cell,
        id: newId('cell'),
        position: 1,
        name: 'status',
        kind: 'input',
        config: {
          type: 'select',
          options: { from: 'list', values: DEMO_STATUSES },
          default: 'delivered',
        } satisfies InputConfig,
      },
      {
        ...cell,
        id: newId('cell'),
        position: 2,
        name: 'orders_by_status',
        kind: 'sql',
        connectionId,
        source: DEMO_SQL,
      },
      { ...cell, id: newId('cell'), position: 3, name: 'summary', kind: 'js', source: DEMO_JS },
    ]);
    await writeAuditEvent(tx, {
      workspaceId,
      actorId: null,
      action: 'workspace.seed_demo',
      outcome: 'success',
      target: { type: 'workspace', id: workspaceId },
    });
  });
  return { workspaceId, projectId, created: true };
}

const warehouseFields = (w: DemoWarehouse) => ({ settings: warehouseSettings(w) });

const warehouseSettings = (w: DemoWarehouse) => ({
  host: w.host,
  port: w.port,
  database: w.database,
  username: w.username,
  sslMode: w.sslMode,
  ...(w.caCertificate ? { caCertificate: w.caCertificate } : {}),
});
