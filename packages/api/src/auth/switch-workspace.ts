import { Me, SwitchWorkspaceInput } from '@quarry/contracts';
import { unwrapOrThrow } from '../errors';
import { authedProcedure } from '../trpc';
import { switchWorkspace as openSessionIn } from './services/switch-workspace';
import { serializeSessionCookie } from './session-cookie';

/** Ends this session and opens one in another of the caller's workspaces (AUTH-9). */
export const switchWorkspace = authedProcedure
  .meta({ permission: 'session:browser' })
  .input(SwitchWorkspaceInput)
  .output(Me)
  .mutation(async ({ ctx, input }) => {
    const { me, token, expiresAt } = unwrapOrThrow(await openSessionIn(ctx, input));
    ctx.resHeaders.append(
      'set-cookie',
      serializeSessionCookie({ token, expiresAt, secure: ctx.deps.secureCookies }),
    );
    return me;
  });
