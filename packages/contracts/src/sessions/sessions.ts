import { z } from 'zod';
import { Password } from '../auth/sign-in';

export const SessionSummary = z.object({
  id: z.string(),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  expiresAt: z.date(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;
export const RevokeSessionInput = z.object({ sessionId: z.string().min(1).max(64) });
export const ChangePasswordInput = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;
