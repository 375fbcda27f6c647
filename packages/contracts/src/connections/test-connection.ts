import { z } from 'zod';
import { QuarryError } from '../errors/quarry-error';
import { ConnectionId } from '../projects/project';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const TestConnectionInput = z.object({ connectionId: ConnectionId });
export type TestConnectionInput = z.infer<typeof TestConnectionInput>;

/** Something the connection's role can do that a reader shared by several people should not. */
export const RoleWarning = z.object({
  code: z.string().regex(/^role\.[a-z_]+$/),
  message: z.string().max(500),
  /** SQL that takes the ability away, for the warehouse's administrator to run. */
  fix: z.string().max(20_000),
});
export type RoleWarning = z.infer<typeof RoleWarning>;

export const TestConnectionResult = z.object({
  ok: z.literal(true),
  latencyMs: z.number().int().nonnegative(),
  serverVersion: z.string().max(200),
  warnings: z.array(RoleWarning).max(50),
});
export type TestConnectionResult = z.infer<typeof TestConnectionResult>;

/** What the runner answers a `connection.test` job with: the result, or a typed connection error. */
export const ConnectionTestOutput = z.union([
  TestConnectionResult,
  z.object({ ok: z.literal(false), error: QuarryError }),
]);
export type ConnectionTestOutput = z.infer<typeof ConnectionTestOutput>;

/** JOB-4: ids only; the runner loads the connection (scoped by the workspace) and its secret. */
export const ConnectionTestJob = z.object({
  connectionId: ConnectionId,
  workspaceId: z.string().max(MAX_ID_LENGTH).startsWith('wsp_'),
});
export type ConnectionTestJob = z.infer<typeof ConnectionTestJob>;
