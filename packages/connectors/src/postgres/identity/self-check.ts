import { err, ok, type Result } from '@quarry/contracts';
import type { SessionQuery } from '../../registry/connector';
import type { ConnectorError } from '../../types';
import { auditIdentityRoles, type IdentityWarning } from './audit';
import type { IdentityKey } from './claims';
import { IdentityError, identityPrepare } from './prepare';

/** The reader a connection's test signs for: no Quarry user is, so no policy shows it a row. */
export const CONNECTION_TEST_READER_ID = 'quarry-connection-test';

/**
 * What a connection's test runs when identity passthrough is on, inside a READ ONLY transaction
 * on the test's connection: signs claims for a reader no policy knows and has the warehouse
 * verify them (a wrong key, a missing install or a role without EXECUTE fails here, with its own
 * message), then names what would let the role read past RLS anyway.
 */
export async function identitySelfCheck(
  query: SessionQuery,
  input: { key: IdentityKey; schema: string; workspaceId: string },
): Promise<Result<IdentityWarning[], ConnectorError>> {
  try {
    await identityPrepare({
      key: input.key,
      schema: input.schema,
      reader: { userId: CONNECTION_TEST_READER_ID, email: '', workspaceId: input.workspaceId, groups: [] },
      runId: `connection-test-${Date.now()}`,
      ttlMs: 60_000,
    })(query);
  } catch (error) {
    if (error instanceof IdentityError) return err(error.error);
    throw error;
  }
  return ok(await auditIdentityRoles(query, input.schema));
}
