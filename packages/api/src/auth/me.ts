import { Me } from '@quarry/contracts';
import { notFound, unwrapOrThrow } from '../errors';
import { authedProcedure } from '../trpc';
import { loadMe } from './services/sign-in';

export const me = authedProcedure
  .meta({ permission: 'session:self' })
  .output(Me)
  .query(async ({ ctx }) => {
    const found = await loadMe(ctx.deps, ctx.actor);
    if (!found) return unwrapOrThrow({ ok: false, error: notFound('user') });
    return found;
  });
