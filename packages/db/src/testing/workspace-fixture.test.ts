import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users, workspaceMembers } from '../schema/index';
import { createTestDatabase, type TestDatabase } from './index';
import { addWorkspaceMember, createWorkspace, joinWorkspace } from './workspace-fixture';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('the workspace fixture every package uses', () => {
  it('adds a new account as a member with its role, and the same account to a second workspace', async () => {
    const [first, second] = [await createWorkspace(database.db), await createWorkspace(database.db)];
    const member = await addWorkspaceMember(database.db, {
      workspaceId: first,
      role: 'manager',
      passwordHash: 'h',
    });
    await joinWorkspace(database.db, { workspaceId: second, role: 'guest', userId: member.id });
    const accounts = await database.db.select().from(users).where(eq(users.id, member.id));
    expect(accounts.map((u) => ({ email: u.email, passwordHash: u.passwordHash }))).toEqual([
      { email: member.email, passwordHash: 'h' },
    ]);
    const memberships = await database.db
      .select({ workspaceId: workspaceMembers.workspaceId, role: workspaceMembers.role })
      .from(workspaceMembers)
      .where(eq(workspaceMembers.userId, member.id));
    expect(memberships).toEqual(
      expect.arrayContaining([
        { workspaceId: first, role: 'manager' },
        { workspaceId: second, role: 'guest' },
      ]),
    );
    expect(memberships).toHaveLength(2);
  });
});
