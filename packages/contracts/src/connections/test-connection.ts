import { z } from 'zod';
import { QuarryError } from '../errors/quarry-error';
import { ConnectionId, ProjectId } from '../projects/project';
import { MAX_ID_LENGTH } from '../transport/request-limits';
import { ConnectionSecretsInput, ConnectionSettingsInput } from './connection';
import { ConnectorKindId } from './connector-kind';

/**
 * "Test connection" on a saved connection; with `settings` (and `secrets`), on unsaved edits of it,
 * every secret sent blank taken from the stored ones.
 */
export const TestConnectionInput = z.object({
  connectionId: ConnectionId,
  settings: ConnectionSettingsInput.optional(),
  secrets: ConnectionSecretsInput.optional(),
});
export type TestConnectionInput = z.infer<typeof TestConnectionInput>;

/** "Test connection" on a form not saved yet: a new workspace connection (Admins). */
export const TestNewConnectionInput = z.object({
  kind: ConnectorKindId,
  settings: ConnectionSettingsInput,
  secrets: ConnectionSecretsInput.default({}),
});
export type TestNewConnectionInput = z.infer<typeof TestNewConnectionInput>;

/** The same from a project (Can edit): a new project connection. */
export const TestNewProjectConnectionInput = TestNewConnectionInput.extend({ projectId: ProjectId });
export type TestNewProjectConnectionInput = z.infer<typeof TestNewProjectConnectionInput>;

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
  /**
   * Through an SSH tunnel: the SSH server's host key fingerprint as OpenSSH prints it (`SHA256:…`),
   * for the Admin to compare with the server's; a saved connection's first successful test pins it.
   */
  sshHostKey: z.string().max(100).optional(),
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
  workspaceId: z.string().max(MAX_ID_LENGTH).startsWith('wsp_'),
  /** What to test: a saved connection, or a probe (settings under test, sealed, short-lived). */
  target: z.discriminatedUnion('type', [
    z.object({ type: z.literal('connection'), connectionId: ConnectionId }),
    z.object({ type: z.literal('probe'), probeId: z.string().max(MAX_ID_LENGTH).startsWith('prb_') }),
  ]),
  /** Who asked, for the audit entry the runner writes. */
  requestedBy: z.string().max(MAX_ID_LENGTH).startsWith('usr_'),
});
export type ConnectionTestJob = z.infer<typeof ConnectionTestJob>;
