import { ProcedurePermission } from '@quarry/contracts';
import { auditEvents, runs } from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuarryTRPCError } from './errors';
import { appRouter } from './router';
import { type ApiHarness, createApiHarness, FIXTURE_PASSWORD } from './testing/harness';

type AnyCaller = Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;

/** Every procedure of the router as `domain.name` with its declared permission. */
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { permission?: string } } }>,
).map(([path, procedure]) => ({ path, permission: procedure._def.meta?.permission }));

async function callPath(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const [domain, name] = path.split('.') as [string, string];
  const fn = (caller as AnyCaller)[domain]?.[name];
  if (!fn) throw new Error(`no procedure ${path}`);
  const result = await fn(input);
  // Streaming procedures return an iterable; reading it is what runs them.
  if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
    for await (const _ of result as AsyncIterable<unknown>) break;
  }
  return result;
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; quarry?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return {
      code: error.code,
      quarry: error instanceof QuarryTRPCError ? error.quarry.code : undefined,
      message: error.message,
    };
  }
  throw new Error('expected a refusal, the call succeeded');
}

let h: ApiHarness;
let runOfAEditor: string;

beforeAll(async () => {
  h = await createApiHarness();
  const editor = await h.as(h.a, 'editor');
  const run = await editor.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' });
  runOfAEditor = run.id;
});
afterAll(() => h?.close());

/** An input that names workspace A's things, for every procedure that takes one. */
const inputsFor = (path: string): unknown => {
  const ids = { projectId: h.a.projectId, cellId: h.a.cellId, runId: runOfAEditor };
  const table: Record<string, unknown> = {
    'auth.signIn': { email: 'nobody@example.test', password: 'wrong-password' },
    'tokens.create': { name: 'x' },
    'tokens.revoke': { tokenId: 'tok_nope' },
    'projects.get': { projectId: ids.projectId },
    'projects.updateCell': { projectId: ids.projectId, cellId: ids.cellId, source: 'select 2' },
    'projects.addCell': { projectId: ids.projectId, kind: 'markdown', afterCellId: ids.cellId },
    'projects.moveCell': { projectId: ids.projectId, cellId: ids.cellId, position: 0 },
    'projects.renameCell': { projectId: ids.projectId, cellId: ids.cellId, name: 'outsider' },
    'projects.deleteCell': { projectId: ids.projectId, cellId: ids.cellId },
    'runs.start': { projectId: ids.projectId, cellId: ids.cellId, source: 'select 2' },
    'runs.query': { projectId: ids.projectId, cellId: ids.cellId, source: 'select 2' },
    'runs.get': { runId: ids.runId },
    'runs.events': { runId: ids.runId },
    'runs.cancel': { runId: ids.runId },
    'sharing.get': { projectId: ids.projectId },
    'sharing.share': {
      projectId: ids.projectId,
      target: { kind: 'group', groupId: 'workspace' },
      permission: 'can_view',
    },
    'sharing.shareWithWeb': { projectId: ids.projectId, enabled: true },
    'sharing.setEditorsCanShare': { projectId: ids.projectId, enabled: false },
    'sharing.duplicate': { projectId: ids.projectId, name: 'copy' },
    'secrets.importIntoProject': { projectId: ids.projectId, secretId: 'sec_nonexistent' },
    'secrets.removeFromProject': { projectId: ids.projectId, secretId: 'sec_nonexistent' },
    'secrets.forProject': { projectId: ids.projectId },
    'connections.createForProject': { projectId: ids.projectId, name: 'x', kind: 'postgres', settings: {} },
    'connections.testNewForProject': { projectId: ids.projectId, kind: 'postgres', settings: {} },
    'connections.importIntoProject': { projectId: ids.projectId, connectionId: h.a.connectionId },
    'connections.removeFromProject': { projectId: ids.projectId, connectionId: h.a.connectionId },
  };
  return table[path];
};

describe('the permission gate', () => {
  it('finds a declared permission from the vocabulary on every procedure', () => {
    expect(procedures.length).toBeGreaterThan(8);
    for (const { path, permission } of procedures) {
      expect(ProcedurePermission.safeParse(permission).success, `${path} declares ${permission}`).toBe(true);
    }
  });

  it('refuses an anonymous caller on every procedure that is not public, with auth.signed_out', async () => {
    const anonymous = await h.anonymous();
    for (const { path, permission } of procedures.filter((p) => p.permission !== 'public')) {
      const refused = await refusal(callPath(anonymous, path, inputsFor(path)));
      expect(refused, path).toMatchObject({ code: 'UNAUTHORIZED', quarry: 'auth.signed_out' });
      expect(permission).not.toBe('public');
    }
  });

  it("answers NOT_FOUND to a member of another workspace holding this workspace's ids", async () => {
    const outsider = await h.as(h.b, 'admin');
    const scoped = procedures.filter(
      (p) => p.permission?.startsWith('project:') || p.permission === 'run:owner',
    );
    expect(scoped.length).toBeGreaterThanOrEqual(10);
    // Every scoped procedure needs an input naming A's things below; list any that has none.
    expect(scoped.filter((p) => inputsFor(p.path) === undefined).map((p) => p.path)).toEqual([]);
    for (const { path } of scoped) {
      const refused = await refusal(callPath(outsider, path, inputsFor(path)));
      expect(refused.code, path).toBe('NOT_FOUND');
    }
    const visible = await outsider.projects.list();
    expect(visible.map((p) => p.id)).not.toContain(h.a.projectId);
  });

  it("answers NOT_FOUND to a colleague asking for someone else's run", async () => {
    const colleague = await h.as(h.a, 'admin');
    for (const path of ['runs.get', 'runs.events', 'runs.cancel']) {
      expect((await refusal(callPath(colleague, path, { runId: runOfAEditor }))).code).toBe('NOT_FOUND');
    }
  });

  it('refuses a Viewer who tries to run SQL, with the engine’s reason', async () => {
    const viewer = await h.as(h.a, 'viewer');
    const refused = await refusal(
      viewer.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.quarry).toMatch(/^access\./);
    expect(refused.message).toMatch(/Can view/);
    const detail = await viewer.projects.get({ projectId: h.a.projectId });
    expect(detail.permission).toBe('can_view');
  });

  it('refuses a Guest the project shared only with Workspace guests at Can view from editing', async () => {
    const guest = await h.as(h.a, 'guest');
    const refused = await refusal(
      guest.projects.updateCell({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'drop table x' }),
    );
    expect(refused.code).toBe('FORBIDDEN');
  });

  it('refuses a signed-out caller who tries to start a run, and records no run', async () => {
    const before = await h.database.db.select().from(runs).where(eq(runs.workspaceId, h.a.workspaceId));
    const anonymous = await h.anonymous();
    const refused = await refusal(
      anonymous.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' }),
    );
    expect(refused.code).toBe('UNAUTHORIZED');
    const after = await h.database.db.select().from(runs).where(eq(runs.workspaceId, h.a.workspaceId));
    expect(after.length).toBe(before.length);
  });
});

describe('sign-in', () => {
  it('answers a wrong password and an unknown email identically, and audits both failures', async () => {
    const anonymous = await h.anonymous();
    const wrong = await refusal(
      anonymous.auth.signIn({ email: h.a.users.editor.email, password: 'not the password' }),
    );
    const unknown = await refusal(
      anonymous.auth.signIn({ email: 'nobody@example.test', password: 'not the password' }),
    );
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ code: 'UNAUTHORIZED', quarry: 'auth.invalid_credentials' });
    const failures = await h.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'auth.sign_in'));
    expect(failures.filter((e) => e.outcome === 'failure').length).toBeGreaterThanOrEqual(2);
  });

  it('makes a new session at every sign-in and sets an HttpOnly, SameSite=Lax cookie', async () => {
    const first = await h.callerWithHeaders(new Headers());
    const me = await first.caller.auth.signIn({
      email: h.a.users.editor.email.toUpperCase(),
      password: FIXTURE_PASSWORD,
    });
    expect(me).toMatchObject({
      userId: h.a.users.editor.id,
      workspace: { id: h.a.workspaceId, role: 'editor' },
    });
    const cookie = first.resHeaders.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^quarry_session=[a-z2-7]+\.[a-z2-7]{52};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    const second = await h.callerWithHeaders(new Headers());
    await second.caller.auth.signIn({ email: h.a.users.editor.email, password: FIXTURE_PASSWORD });
    expect(second.resHeaders.get('set-cookie')?.split(';')[0]).not.toBe(cookie.split(';')[0]);
    const signedIn = await h.callerWithHeaders(new Headers({ cookie: cookie.split(';')[0] ?? '' }));
    expect((await signedIn.caller.auth.me()).userId).toBe(h.a.users.editor.id);
  });

  it('refuses an expired session', async () => {
    const fourDaysAgo = new Date(Date.now() - 4 * 24 * 60 * 60 * 1000);
    const stale = await h.as(h.a, 'editor', fourDaysAgo);
    expect(await refusal(stale.auth.me())).toMatchObject({ code: 'UNAUTHORIZED', quarry: 'auth.signed_out' });
  });

  it('ends the session on sign-out so the same cookie no longer works', async () => {
    const { caller, resHeaders } = await h.callerWithHeaders(new Headers());
    await caller.auth.signIn({ email: h.a.users.manager.email, password: FIXTURE_PASSWORD });
    const cookie = (resHeaders.get('set-cookie') ?? '').split(';')[0] ?? '';
    const signedIn = await h.callerWithHeaders(new Headers({ cookie }));
    await signedIn.caller.auth.signOut();
    expect(signedIn.resHeaders.get('set-cookie')).toContain('Max-Age=0');
    const again = await h.callerWithHeaders(new Headers({ cookie }));
    expect((await refusal(again.caller.auth.me())).code).toBe('UNAUTHORIZED');
  });
});

describe('API tokens', () => {
  it('shows the token once, keeps only its hash, and lets it act as its owner', async () => {
    const editor = await h.as(h.a, 'editor');
    const created = await editor.tokens.create({ name: 'notebook script' });
    expect(created.token).toMatch(/^qry_[a-z2-7]{16}_[a-z2-7]{52}$/);
    const listed = await editor.tokens.list();
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed.find((t) => t.id === created.summary.id)?.prefix).toBe(created.token.slice(0, 12));
    const raw = await h.database.sql`select * from api_tokens where id = ${created.summary.id}`;
    expect(JSON.stringify(raw)).not.toContain(created.token.slice(21));
    const viaToken = await h.callerWithHeaders(new Headers({ authorization: `Bearer ${created.token}` }));
    expect((await viaToken.caller.auth.me()).userId).toBe(h.a.users.editor.id);
  });

  it('expires after 90 days unless chosen, and never later than a year', async () => {
    const editor = await h.as(h.a, 'editor');
    const created = await editor.tokens.create({ name: 'default expiry' });
    const days = (created.summary.expiresAt.getTime() - created.summary.createdAt.getTime()) / 86_400_000;
    expect(days).toBe(90);
    const refused = await refusal(editor.tokens.create({ name: 'too long', expiresInDays: 366 }));
    expect(refused.code).toBe('BAD_REQUEST');
  });

  it('refuses a revoked token at once', async () => {
    const editor = await h.as(h.a, 'editor');
    const created = await editor.tokens.create({ name: 'to revoke' });
    await editor.tokens.revoke({ tokenId: created.summary.id });
    const viaToken = await h.callerWithHeaders(new Headers({ authorization: `Bearer ${created.token}` }));
    expect((await refusal(viaToken.caller.auth.me())).code).toBe('UNAUTHORIZED');
  });

  it('does not let a token mint another token', async () => {
    const { caller } = await h.withToken(h.a, 'editor');
    expect(await refusal(caller.tokens.create({ name: 'child' }))).toMatchObject({
      code: 'FORBIDDEN',
      quarry: 'access.session_required',
    });
  });

  it("does not let one member revoke another member's token", async () => {
    const editor = await h.as(h.a, 'editor');
    const created = await editor.tokens.create({ name: 'mine' });
    const admin = await h.as(h.a, 'admin');
    expect((await refusal(admin.tokens.revoke({ tokenId: created.summary.id }))).code).toBe('NOT_FOUND');
  });
});
