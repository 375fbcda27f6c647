import { z } from 'zod';
import { MAX_EMAIL_LENGTH } from '../transport/request-limits';

export const Email = z
  .string()
  .trim()
  .max(MAX_EMAIL_LENGTH, { message: `Email addresses have at most ${MAX_EMAIL_LENGTH} characters` })
  .toLowerCase()
  .pipe(z.email({ message: 'Enter an email address such as ada@example.com' }));

/** AUTH-6: 8 to 256 characters. */
export const Password = z
  .string()
  .min(8, { message: 'Passwords have at least 8 characters' })
  .max(256, { message: 'Passwords have at most 256 characters' });

export const SignInInput = z.object({
  email: Email,
  password: z.string().min(1).max(256),
  /**
   * AUTH-9: the workspace this session will act in. Someone who belongs to several must choose;
   * without it they are answered `auth.workspace_required` with the choices.
   */
  workspaceId: z.string().max(64).optional(),
});
export type SignInInput = z.infer<typeof SignInInput>;

export const Me = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  workspace: z.object({ id: z.string(), name: z.string(), role: z.string() }),
});
export type Me = z.infer<typeof Me>;

/** One of the caller's workspaces, as the workspace switcher lists it. */
export const WorkspaceChoice = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  current: z.boolean(),
});
export type WorkspaceChoice = z.infer<typeof WorkspaceChoice>;

export const SwitchWorkspaceInput = z.object({ workspaceId: z.string().max(64) });
export type SwitchWorkspaceInput = z.infer<typeof SwitchWorkspaceInput>;
