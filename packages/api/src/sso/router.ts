import type { TRPCRouterRecord } from '@trpc/server';
import { createProvider } from './create-provider';
import { deleteProvider } from './delete-provider';
import { getSettings } from './get-settings';
import { listProviders } from './list-providers';
import { signInOptions } from './sign-in-options';
import { updateSettings } from './update-settings';

/**
 * Single sign-on: the sign-in page's buttons (public) and the workspace's providers and settings
 * (Admins). The browser flow itself is HTTP, not tRPC: apps/api mounts `/auth/sso/:providerId/*`.
 */
export const ssoRouter = {
  signInOptions,
  listProviders,
  createProvider,
  deleteProvider,
  getSettings,
  updateSettings,
} satisfies TRPCRouterRecord;
