import { randomUUID } from 'node:crypto';
import { connections } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { exampleSettings as settings, uniqueName } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';

// The setup every API test shares lives in testing/; these files keep importing it from here.
export async function rawConnection(h: ApiHarness, id: string) {
  const [row] = await h.database.db.select().from(connections).where(eq(connections.id, id));
  return row;
}

type Workspace = ApiHarness['a'];
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
