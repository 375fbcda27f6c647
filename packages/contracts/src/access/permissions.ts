import { z } from 'zod';

/**
 * What a procedure needs, as `resource:action`. Every tRPC procedure declares exactly one in its
 * meta; the gate in packages/api resolves it through @quarry/access. Adding one is a contracts change.
 *
 * - `session:self`        any signed-in caller acting on their own account (me, sign out, tokens)
 * - `session:browser`     the same, but only from a signed-in session, never an API token: managing
 *                         sessions and the password is for the person, not for a program
 * - `workspace:member`    any member of the workspace (guests included): list what they may see
 * - `workspace:admin`     Admins only
 * - `project:create`      Admins, Managers, Editors
 * - `project:view|explore|edit|full` the caller's effective permission on `input.projectId`
 * - `project:share`       change the project's sharing: Full access, or Can edit unless re-sharing is off
 * - `run:owner`           the caller started the run named by `input.runId`
 * - `connection:create_workspace` Admins: create (and test unsaved) workspace data connections
 * - `connection:manage`   edit, test, delete the connection named by `input.connectionId`: Admins
 *                         for a workspace connection; Can edit on its project (and a role that may
 *                         create project connections) for a project connection
 * - `public`              no caller needed (sign-in, health)
 */
export const ProcedurePermission = z.enum([
  'public',
  'session:self',
  'session:browser',
  'workspace:member',
  'workspace:admin',
  'project:create',
  'project:view',
  'project:explore',
  'project:edit',
  'project:full',
  'project:share',
  'run:owner',
  'connection:create_workspace',
  'connection:manage',
]);
export type ProcedurePermission = z.infer<typeof ProcedurePermission>;
