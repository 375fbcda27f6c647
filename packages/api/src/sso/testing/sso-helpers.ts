import { newId } from '@quarry/db';
import { ssoProviders } from '@quarry/db/schema';
import { TRPCError } from '@trpc/server';
import { QuarryTRPCError } from '../../errors';
import type { ApiHarness } from '../../testing/harness';

/** A provider row written directly (no discovery), for tests about listing and settings. */
export async function insertProvider(
  h: ApiHarness,
  input: { workspaceId: string; name?: string; kind?: 'google' | 'okta' | 'oidc'; issuer?: string },
): Promise<string> {
  const id = newId('sso');
  await h.database.db.insert(ssoProviders).values({
    id,
    workspaceId: input.workspaceId,
    kind: input.kind ?? 'oidc',
    name: input.name ?? 'Test IdP',
    issuer: input.issuer ?? 'https://idp.example',
    clientId: 'quarry',
    clientSecret: h.vault.seal('client-secret', {
      workspaceId: input.workspaceId,
      recordId: id,
      purpose: 'sso.client_secret',
    }),
  });
  return id;
}

/** The tRPC code and Quarry code a call was refused with. */
export async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; quarry: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { code: error.code, quarry: error instanceof QuarryTRPCError ? error.quarry.code : undefined };
  }
  throw new Error('expected a refusal, the call succeeded');
}
