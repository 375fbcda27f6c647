import {
  DEFAULT_IDENTITY_SCHEMA,
  IDENTITY_KEY_PSQL_VARIABLE,
  identityInstallSql,
  identityKeySqlTemplate,
  samplePolicySql,
} from '@quarry/connectors';
import { err, type IdentitySetup, ok, type Result } from '@quarry/contracts';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import { loadConnection } from './connection-record';

/**
 * The warehouse-side SQL of identity passthrough for one connection: its login role granted, its
 * identity schema, its workspace bound to the key. No secret is in it, so reading it has no side
 * effect and needs no audit entry; the key stays write-only.
 */
export async function identitySetup(
  ctx: ServiceContext,
  input: { connectionId: string },
): Promise<Result<IdentitySetup>> {
  const row = await loadConnection(ctx.deps.db, ctx.actor.workspaceId, input.connectionId);
  if (!row) return err(notFound('connection'));
  const settings = row.settings as { username?: unknown; identitySchema?: unknown };
  const schema =
    typeof settings.identitySchema === 'string' ? settings.identitySchema : DEFAULT_IDENTITY_SCHEMA;
  const username = typeof settings.username === 'string' ? settings.username : null;
  if (!username) {
    return err({
      code: 'connections.incomplete',
      message: 'The connection has no user name yet',
      hint: 'Complete the connection, then open its identity setup again',
    });
  }
  try {
    return ok({
      schema,
      installSql: identityInstallSql({ schema, readerRoles: [username] }),
      keySqlTemplate: identityKeySqlTemplate({ schema, workspaceId: ctx.actor.workspaceId }),
      keyVariable: IDENTITY_KEY_PSQL_VARIABLE,
      samplePolicySql: samplePolicySql({
        schema,
        table: 'public.my_table',
        userColumn: 'owner_id',
        groupColumn: 'group_id',
      }),
    });
  } catch (error) {
    // A user name the SQL cannot name safely (quotes, spaces) is refused, never spliced.
    return err({
      code: 'connections.invalid_settings',
      message: error instanceof Error ? error.message : 'The connection cannot pass identity as set up',
      hint: 'Use a login role whose name is letters, digits and underscores',
    });
  }
}
