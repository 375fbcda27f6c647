import {
  type CreateSsoProviderInput,
  err,
  ok,
  type Result,
  type SignInOptions,
  SsoKind,
  type SsoProviderSummary,
} from '@quarry/contracts';
import { type Db, newId } from '@quarry/db';
import { ssoProviders, workspaces } from '@quarry/db/schema';
import { and, asc, count, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Deps } from '../../deps';
import { notFound } from '../../errors';
import { auditChange, type ServiceContext } from '../../service-context';
import { providerRequired } from '../errors';
import { discoverIssuer } from './auth-sso';
import { clientSecretContext } from './client-secret-context';
import { discoveryOptions } from './discovery-options';
import { redirectUriFor } from './redirect-uri';

type ProviderRow = typeof ssoProviders.$inferSelect;

function summaryOf(deps: Deps, row: ProviderRow): SsoProviderSummary {
  return {
    id: row.id,
    kind: SsoKind.parse(row.kind),
    name: row.name,
    issuer: row.issuer,
    clientId: row.clientId,
    redirectUri: redirectUriFor(deps, row.id),
  };
}

/** The workspace's providers, oldest first. Never the client secret. */
export async function listProviders(ctx: ServiceContext): Promise<SsoProviderSummary[]> {
  const rows = await ctx.deps.db
    .select()
    .from(ssoProviders)
    .where(eq(ssoProviders.workspaceId, ctx.actor.workspaceId))
    .orderBy(asc(ssoProviders.createdAt), asc(ssoProviders.id));
  return rows.map((row) => summaryOf(ctx.deps, row));
}

/**
 * Adds a provider. Discovery runs first (OIDC-1), so a wrong issuer or an unreachable provider is
 * refused with its typed error and nothing is stored. The client secret is sealed by the vault,
 * bound to the workspace, the provider id and the purpose `sso.client_secret`.
 */
export async function createProvider(
  ctx: ServiceContext,
  input: z.infer<typeof CreateSsoProviderInput>,
): Promise<Result<SsoProviderSummary>> {
  const { workspaceId } = ctx.actor;
  const discovered = await discoverIssuer(input.issuer, discoveryOptions(ctx.deps));
  if (!discovered.ok) return err(discovered.error);

  const id = newId('sso');
  const now = ctx.deps.now();
  const row = await ctx.deps.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(ssoProviders)
      .values({
        id,
        workspaceId,
        kind: input.kind,
        name: input.name,
        issuer: input.issuer,
        clientId: input.clientId,
        clientSecret: ctx.deps.vault.seal(input.clientSecret, clientSecretContext(workspaceId, id)),
        createdAt: now,
      })
      .returning();
    await auditChange(
      tx,
      ctx,
      {
        action: 'sso.provider_create',
        target: { type: 'sso_provider', id },
        details: { kind: input.kind, name: input.name, issuer: input.issuer, clientId: input.clientId },
      },
      now,
    );
    return created;
  });
  if (!row) throw new Error('insert returned no row');
  return ok(summaryOf(ctx.deps, row));
}

/** Removes a provider. The last one cannot go while the workspace requires SSO. */
export async function deleteProvider(
  ctx: ServiceContext,
  input: { providerId: string },
): Promise<Result<{ deleted: true }>> {
  const { workspaceId } = ctx.actor;
  const now = ctx.deps.now();
  return ctx.deps.db.transaction(async (tx) => {
    const [workspace] = await tx
      .select({ ssoRequired: workspaces.ssoRequired })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId))
      .for('update');
    const [provider] = await tx
      .select({ id: ssoProviders.id, issuer: ssoProviders.issuer, name: ssoProviders.name })
      .from(ssoProviders)
      .where(and(eq(ssoProviders.id, input.providerId), eq(ssoProviders.workspaceId, workspaceId)));
    if (!provider) return err(notFound('sso_provider'));
    if (workspace?.ssoRequired) {
      const [row] = await tx
        .select({ providers: count() })
        .from(ssoProviders)
        .where(eq(ssoProviders.workspaceId, workspaceId));
      if ((row?.providers ?? 0) <= 1) return err(providerRequired());
    }
    await tx
      .delete(ssoProviders)
      .where(and(eq(ssoProviders.id, input.providerId), eq(ssoProviders.workspaceId, workspaceId)));
    await auditChange(
      tx,
      ctx,
      {
        action: 'sso.provider_delete',
        target: { type: 'sso_provider', id: provider.id },
        details: { name: provider.name, issuer: provider.issuer },
      },
      now,
    );
    return ok({ deleted: true as const });
  });
}

/**
 * The sign-in page's SSO buttons: the providers of the workspace asked for, or, when none is named,
 * of the only workspace if there is exactly one. Never another workspace's providers.
 */
export async function signInOptions(
  db: Db,
  input: { workspaceId?: string | undefined },
): Promise<z.infer<typeof SignInOptions>> {
  let workspaceId = input.workspaceId;
  if (!workspaceId) {
    const only = await db.select({ id: workspaces.id }).from(workspaces).limit(2);
    if (only.length !== 1) return { providers: [] };
    workspaceId = only[0]?.id;
  }
  if (!workspaceId) return { providers: [] };
  const rows = await db
    .select({ id: ssoProviders.id, name: ssoProviders.name, kind: ssoProviders.kind })
    .from(ssoProviders)
    .where(eq(ssoProviders.workspaceId, workspaceId))
    .orderBy(asc(ssoProviders.createdAt), asc(ssoProviders.id));
  return { providers: rows.map((row) => ({ id: row.id, name: row.name, kind: SsoKind.parse(row.kind) })) };
}
