import { createApiToken } from '@quarry/auth';
import { type CreatedApiToken, err, ok, type Result } from '@quarry/contracts';
import { auditChange, type ServiceContext } from '../../service-context';
import { toTokenSummary } from './token-summary';

/** Mints a personal API token; the secret is in the answer once and only its hash is kept. */
export async function createToken(
  ctx: ServiceContext,
  input: { name: string; expiresInDays: number },
): Promise<Result<CreatedApiToken>> {
  const { actor } = ctx;
  // A token must not mint tokens: a leaked one would otherwise outlive its own revocation.
  if (actor.via.kind !== 'session') {
    return err({
      code: 'access.session_required',
      message: 'API tokens are created from a signed-in session, not with another token',
      hint: 'Create the token in Quarry under Settings → API tokens',
    });
  }
  const now = ctx.deps.now();
  const created = await ctx.deps.db.transaction(async (tx) => {
    const result = await createApiToken(tx, {
      userId: actor.userId,
      workspaceId: actor.workspaceId,
      name: input.name,
      expiresInDays: input.expiresInDays,
      now,
    });
    await auditChange(
      tx,
      ctx,
      {
        action: 'token.create',
        target: { type: 'api_token', id: result.row.id },
        details: { expiresAt: result.row.expiresAt.toISOString() },
      },
      now,
    );
    return result;
  });
  return ok({ token: created.token, summary: toTokenSummary(created.row) });
}
