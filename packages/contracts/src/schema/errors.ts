import { z } from 'zod';

/** Schema browsing and refresh. */
export const SchemaErrorCode = z.enum([
  /** Scheduled refresh is for workspace connections only (the seed). */
  'schema.schedule_workspace_only',
  /** A draft connection has nothing to introspect yet. */
  'schema.connection_draft',
  /** The refresh's runner stopped answering; a new refresh may start. */
  'schema.refresh_interrupted',
  /** The requester lost the permission to refresh between the request and the job. */
  'schema.refresh_not_allowed',
  /** The connection could not be opened or introspected (its connector's error code is in details). */
  'schema.refresh_failed',
]);
export type SchemaErrorCode = z.infer<typeof SchemaErrorCode>;
