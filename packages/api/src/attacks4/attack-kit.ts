import { randomUUID } from 'node:crypto';
import { newId } from '@quarry/db';
import { connections, projectGrants, projects } from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { QuarryTRPCError } from '../errors';
import type { ApiHarness } from '../testing/harness';

/** Settings of a PostgreSQL connection to a public name that is never contacted by these tests. */
export const settings = (over: Record<string, unknown> = {}) => ({
  host: 'db.example.com',
  port: 5432,
  database: 'analytics',
  username: 'reader',
  sslMode: 'require',
  ...over,
});

export const uniqueName = (what: string) => `${what} ${randomUUID().slice(0, 8)}`;

export type Refusal = { code: string; quarry: string; message: string; hint: string; text: string };

/** The refusal a call ended with (its tRPC code and Quarry code), or a thrown test failure. */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const quarry = error instanceof QuarryTRPCError ? error.quarry : undefined;
    return {
      code: error.code,
      quarry: quarry?.code ?? '',
      message: quarry?.message ?? '',
      hint: quarry?.hint ?? '',
      text: JSON.stringify(quarry ?? {}),
    };
  }
  throw new Error('expected a refusal, the call succeeded');
}

export async function rawConnection(h: ApiHarness, id: string) {
  const [row] = await h.database.db.select().from(connections).where(eq(connections.id, id));
  return row;
}

type Workspace = ApiHarness['a'];
type Grant = { userId: string; permission: 'can_view' | 'can_explore' | 'can_edit' | 'full_access' };

/** A project of `workspace` made by its Admin and shared only as `grants` say. */
export async function projectIn(h: ApiHarness, workspace: Workspace, grants: Grant[] = []) {
  const id = newId('project');
  await h.database.db.insert(projects).values({
    id,
    workspaceId: workspace.workspaceId,
    name: uniqueName('project'),
    createdBy: workspace.users.admin.id,
  });
  for (const grant of grants) {
    await h.database.db.insert(projectGrants).values({
      id: newId('grant'),
      workspaceId: workspace.workspaceId,
      projectId: id,
      userId: grant.userId,
      permission: grant.permission,
    });
  }
  return id;
}

/** A ready workspace connection of `workspace`, made by its Admin, with a generated password. */
export async function workspaceConnection(h: ApiHarness, workspace: Workspace, name = uniqueName('wh')) {
  const password = randomUUID();
  const created = await (await h.as(workspace, 'admin')).connections.create({
    name,
    kind: 'postgres',
    settings: settings(),
    secrets: { password },
  });
  return { id: created.id, name: created.name, password };
}

/** A project connection made by `role` in `projectId` (they need Can edit there). */
export async function projectConnection(
  h: ApiHarness,
  workspace: Workspace,
  role: keyof Workspace['users'],
  projectId: string,
  over: Record<string, unknown> = {},
) {
  const password = randomUUID();
  const created = await (await h.as(workspace, role)).connections.createForProject({
    projectId,
    name: uniqueName('own'),
    kind: 'postgres',
    settings: settings(over),
    secrets: { password },
  });
  return { id: created.id, name: created.name, password };
}
