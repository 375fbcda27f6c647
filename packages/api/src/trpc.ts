import {
  decideConnectionManagement,
  decideProjectPermission,
  decideShareManagement,
  decideWorkspaceAction,
  meetsProjectPermission,
  type ProjectDecision,
  type ProjectFacts,
  projectPermissionRequiredBy,
  type WorkspaceAction,
} from '@quarry/access';
import type { SessionAuthMethod } from '@quarry/auth';
import type { ProcedurePermission, QuarryError, WorkspaceRole } from '@quarry/contracts';
import { loadMemberProjectFacts } from '@quarry/db/access-facts';
import { connections, type runs } from '@quarry/db/schema';
import { initTRPC, TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import superjson from 'superjson';
import { z } from 'zod';
import type { Context } from './context';
import { notFound, QuarryTRPCError } from './errors';
import { runOfWorkspace } from './runs/services/run-of-workspace';

export type Meta = { permission: ProcedurePermission };

/** The caller as every procedure sees it: a member of exactly one workspace. */
export type Actor = {
  userId: string;
  workspaceId: string;
  role: WorkspaceRole;
  via:
    | { kind: 'session'; sessionId: string; authMethod: SessionAuthMethod }
    | { kind: 'token'; tokenId: string };
};

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // Dates and bigints survive the wire as themselves, for the SPA and the SDK alike.
    transformer: superjson,
    // Stacks never reach a client, in development or production.
    isDev: false,
    errorFormatter({ shape, error }) {
      const quarry = quarryErrorOf(error);
      // An unexpected error's own message can carry SQL, parameters or paths: the client gets the
      // generic message only; the log keeps the detail.
      return {
        ...shape,
        message: quarry.message,
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, quarry },
      };
    },
  });

/** What the client sees for any error: a code to switch on, a message, a hint. Never a stack. */
function quarryErrorOf(error: TRPCError): QuarryError {
  if (error instanceof QuarryTRPCError) return error.quarry;
  if (error.cause instanceof z.ZodError) {
    const issue = error.cause.issues[0];
    return {
      code: 'input.invalid',
      message: issue?.message ?? 'The request was not valid',
      hint: 'Correct the highlighted field and try again',
      details: { path: issue?.path.join('.') ?? null },
    };
  }
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    return {
      code: 'server.internal',
      message: 'Something went wrong on our side',
      hint: 'Try again in a moment',
    };
  }
  // tRPC's own refusals (unreadable JSON, an unknown procedure, a wrong method) carry parser and
  // framework text such as "Unexpected token" or "Maximum call stack size exceeded": the client
  // gets a fixed sentence per code; the API's log keeps the original.
  if (error.cause instanceof SyntaxError || error.cause instanceof RangeError) {
    return {
      code: 'request.parse_error',
      message: 'The request could not be read',
      hint:
        error.cause instanceof SyntaxError
          ? 'Send valid JSON'
          : 'Send valid JSON that is not nested so deeply',
    };
  }
  const fixed = TRANSPORT_ERRORS[error.code] ?? {
    message: 'The request could not be handled',
    hint: 'Check the request and try again',
  };
  return { code: `request.${error.code.toLowerCase()}`, ...fixed };
}

/** What a client is told for each of tRPC's own error codes, whatever the underlying message said. */
const TRANSPORT_ERRORS: Partial<Record<TRPCError['code'], { message: string; hint: string }>> = {
  PARSE_ERROR: { message: 'The request could not be read', hint: 'Send valid JSON' },
  BAD_REQUEST: {
    message: 'The request was not valid',
    hint: 'Check the request against the API and try again',
  },
  NOT_FOUND: { message: 'No such procedure', hint: 'Check the procedure name, or update the client' },
  METHOD_NOT_SUPPORTED: {
    message: 'This procedure does not answer that HTTP method',
    hint: 'Send queries as GET and mutations as POST',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    message: 'The request body is not in a format Quarry reads',
    hint: 'Send JSON with content-type: application/json',
  },
  PAYLOAD_TOO_LARGE: { message: 'The request is too large', hint: 'Send less data in one request' },
  TIMEOUT: { message: 'The request took too long', hint: 'Try again in a moment' },
  CLIENT_CLOSED_REQUEST: { message: 'The request was cancelled', hint: 'Try again' },
  TOO_MANY_REQUESTS: { message: 'Too many requests', hint: 'Wait a moment and try again' },
};

function actorOf(ctx: Context): Actor | null {
  const { caller } = ctx;
  if (caller.kind === 'session') {
    const { session } = caller;
    return {
      userId: session.userId,
      workspaceId: session.workspaceId,
      role: session.role,
      via: { kind: 'session', sessionId: session.sessionId, authMethod: session.authMethod },
    };
  }
  if (caller.kind === 'token') {
    const { token } = caller;
    return {
      userId: token.userId,
      workspaceId: token.workspaceId,
      role: token.role,
      via: { kind: 'token', tokenId: token.tokenId },
    };
  }
  return null;
}

const refuse = (reason: { code: string; message: string }, hint?: string): never => {
  throw new QuarryTRPCError({
    code: reason.code.startsWith('access.') ? reason.code : `access.${reason.code}`,
    message: reason.message,
    ...(hint ? { hint } : {}),
  });
};

/** Whether any string in a request's input (keys included) holds U+0000; bounded by the body limit. */
/**
 * Text PostgreSQL cannot hold as sent, anywhere in an input (keys too): a NUL, which text refuses,
 * or a lone UTF-16 surrogate (half of a character cut in two), which is no character at all: text
 * would store U+FFFD in its place, silently changing what was sent, and json refuses it.
 */
function unstorableText(value: unknown, depth = 0): 'nul' | 'surrogate' | null {
  if (typeof value === 'string')
    return value.includes('\0') ? 'nul' : value.isWellFormed() ? null : 'surrogate';
  if (depth > 64 || typeof value !== 'object' || value === null) return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = unstorableText(key) ?? unstorableText(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

const UNSTORABLE: Record<'nul' | 'surrogate', QuarryError> = {
  nul: {
    code: 'input.invalid',
    message: 'Text may not contain the NUL character (\\u0000)',
    hint: 'Remove it and try again',
  },
  surrogate: {
    code: 'input.invalid',
    message: 'Text holds half of a character (a lone UTF-16 surrogate), which cannot be stored',
    hint: 'Remove it (text cut in the middle of an emoji leaves one) and try again',
  },
};

const ProjectScoped = z.object({ projectId: z.string() });
const RunScoped = z.object({ runId: z.string() });
const ConnectionScoped = z.object({ connectionId: z.string() });

/**
 * The one gate. Every procedure declares `meta.permission`; this resolves it through
 * @quarry/access and refuses with the engine's reason. No procedure checks permissions itself.
 * Another workspace's ids answer NOT_FOUND, never FORBIDDEN, so existence does not leak.
 */
/** What the gate learned about the project of a project-scoped procedure. */
export type ProjectScope = {
  id: string;
  decision: ProjectDecision;
  facts: ProjectFacts & { editorsCanShare: boolean };
};

/**
 * The run of a `run:owner` procedure as the gate read it, and the notifier's mark from before that
 * read (RunNotifier.heardSince tells whether it is still as read).
 */
export type OwnedRun = { row: typeof runs.$inferSelect; heardBefore: number };

const gate = t.middleware(async ({ ctx, meta, next, getRawInput }) => {
  const pass = (actor: Actor | null, project: ProjectScope | null = null, ownedRun: OwnedRun | null = null) =>
    next({ ctx: { actor, project, ownedRun } });
  const permission = meta?.permission;
  if (!permission) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'procedure declares no permission' });
  }
  // Text PostgreSQL cannot hold as sent: refused here as bad input, before it can fail a query.
  const unstorable = unstorableText(await getRawInput());
  if (unstorable) throw new QuarryTRPCError(UNSTORABLE[unstorable]);
  if (permission === 'public') return pass(null);

  const actor = actorOf(ctx);
  if (!actor) {
    throw new QuarryTRPCError({
      code: 'auth.signed_out',
      message: 'You are signed out',
      hint: 'Sign in again, or pass a valid API token',
    });
  }
  if (permission === 'session:self') return pass(actor);
  if (permission === 'session:browser') {
    // A leaked API token must not end its owner's browser sessions or change their password.
    if (actor.via.kind !== 'session') {
      throw new QuarryTRPCError({
        code: 'access.session_required',
        message: 'This needs a signed-in session, not an API token',
        hint: 'Do it in Quarry itself',
      });
    }
    return pass(actor);
  }

  if (permission === 'run:owner') {
    const parsed = RunScoped.safeParse(await getRawInput());
    if (!parsed.success) throw new QuarryTRPCError(notFound('run'));
    // The whole row: the procedure may start from it (the events stream reads it first).
    const heardBefore = ctx.deps.notifier.mark();
    const [run] = await runOfWorkspace(ctx.deps.db).execute({
      runId: parsed.data.runId,
      workspaceId: actor.workspaceId,
    });
    // A run's rows are its owner's alone: anyone else is told it does not exist.
    if (!run || run.ownerId !== actor.userId) throw new QuarryTRPCError(notFound('run'));
    return pass(actor, null, { row: run, heardBefore });
  }

  if (permission === 'connection:manage') {
    await gateConnectionManagement(ctx, actor, await getRawInput());
    return pass(actor);
  }

  const required = permission === 'project:share' ? 'can_edit' : projectPermissionRequiredBy(permission);
  if (!required) {
    const check = decideWorkspaceAction({ role: actor.role, action: permission as WorkspaceAction });
    if (!check.allowed) refuse(check.reason);
    return pass(actor);
  }

  const parsed = ProjectScoped.safeParse(await getRawInput());
  if (!parsed.success) throw new QuarryTRPCError(notFound('project'));
  const decided = await decideForMember(ctx, actor, parsed.data.projectId);
  if (!decided) throw new QuarryTRPCError(notFound('project'));
  const { facts, decision } = decided;
  if (!meetsProjectPermission(decision.effective, required)) {
    const why = decision.reasons.at(-1);
    refuse(
      why ?? {
        code: 'access.insufficient_permission',
        message: 'Your permission on this project does not allow this',
      },
      'Ask someone with Full access on the project to share it with you at a higher permission',
    );
  }
  if (permission === 'project:share') {
    const check = decideShareManagement({
      effective: decision.effective,
      editorsCanShare: facts.editorsCanShare,
    });
    if (!check.allowed) refuse(check.reason);
  }
  return pass(actor, { id: parsed.data.projectId, decision, facts });
});

/**
 * The caller's permission on a project of their workspace, from their current membership; null when
 * they are not a member any more, the project is not in the workspace, or nothing reaches them (all
 * answered NOT_FOUND, so ids do not leak).
 */
async function decideForMember(
  ctx: Context,
  actor: Actor,
  projectId: string,
): Promise<{ facts: ProjectScope['facts']; decision: ProjectDecision } | null> {
  // The membership, its groups and the project's facts, in one statement.
  const { member, facts } = await loadMemberProjectFacts(ctx.deps.db, {
    workspaceId: actor.workspaceId,
    userId: actor.userId,
    projectId,
  });
  if (!member || !facts) return null;
  const decision = decideProjectPermission(facts);
  if (decision.effective === 'none' && decision.granted === 'none') return null;
  return { facts, decision };
}

/**
 * `connection:manage`: the connection named by `input.connectionId`, in the caller's workspace
 * (NOT_FOUND otherwise), managed by Admins (workspace connection) or by Can edit holders on its
 * project (project connection), as the engine decides. Someone the project is closed to is told the
 * connection does not exist.
 */
async function gateConnectionManagement(ctx: Context, actor: Actor, input: unknown): Promise<void> {
  const parsed = ConnectionScoped.safeParse(input);
  if (!parsed.success) throw new QuarryTRPCError(notFound('connection'));
  const [connection] = await ctx.deps.db
    .select({ scope: connections.scope, projectId: connections.projectId })
    .from(connections)
    .where(and(eq(connections.id, parsed.data.connectionId), eq(connections.workspaceId, actor.workspaceId)));
  if (!connection) throw new QuarryTRPCError(notFound('connection'));
  if (connection.scope === 'workspace' || !connection.projectId) {
    const check = decideConnectionManagement({ role: actor.role, scope: 'workspace' });
    if (!check.allowed) refuse(check.reason);
    return;
  }
  const decided = await decideForMember(ctx, actor, connection.projectId);
  if (!decided) throw new QuarryTRPCError(notFound('connection'));
  const { facts, decision } = decided;
  const check = decideConnectionManagement({
    role: actor.role,
    scope: 'project',
    projectPermission: decision.effective,
    projectConnectionsEnabled: facts.projectConnectionsEnabled ?? true,
  });
  if (!check.allowed) refuse(check.reason);
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Tier 1: anyone; the procedure still declares `public`. */
export const publicProcedure = t.procedure.use(gate);

/** Tier 2: a session or a token. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor)
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'authed procedure declared public' });
  return next({ ctx: { actor: ctx.actor } });
});

/** Tier 3: an actor acting inside their workspace; every query filters by `ctx.actor.workspaceId`. */
export const workspaceProcedure = authedProcedure;

/**
 * Tier 4: a project-scoped procedure (`project:*`). The gate decided the caller's permission on
 * `input.projectId`; `ctx.project` holds that decision and the project's facts, never null here.
 */
export const projectProcedure = workspaceProcedure.use(({ ctx, next }) => {
  if (!ctx.project)
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'project procedure declared no project:* permission',
    });
  return next({ ctx: { project: ctx.project } });
});
