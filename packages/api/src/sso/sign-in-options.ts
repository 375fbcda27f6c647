import { SignInOptions } from '@quarry/contracts';
import { z } from 'zod';
import { publicProcedure } from '../trpc';
import { signInOptions as listSignInOptions } from './services/providers';

/** Until contracts carry it: which workspace's sign-in page is asking. */
export const SignInOptionsInput = z
  .object({ workspaceId: z.string().startsWith('wsp_').max(64).optional() })
  .optional();

export const signInOptions = publicProcedure
  .meta({ permission: 'public' })
  .input(SignInOptionsInput)
  .output(SignInOptions)
  .query(({ ctx, input }) => listSignInOptions(ctx.deps.db, { workspaceId: input?.workspaceId }));
