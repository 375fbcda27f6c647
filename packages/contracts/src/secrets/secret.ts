import { z } from 'zod';
import { ProjectId } from '../projects/project';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const SecretId = z.string().max(MAX_ID_LENGTH).startsWith('sec_');

/** Secret names are identifiers a kernel will read them by. */
export const SecretName = z
  .string()
  .max(64, 'A secret name has at most 64 characters')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'Use letters, digits and underscores, starting with a letter or underscore (at most 64)',
  );

const GroupRef = z.string().min(1).max(40);

/** The value is write-only: accepted here, never returned. */
export const CreateSecretInput = z.object({
  name: SecretName,
  value: z.string().min(1, 'Enter the secret value').max(20_000),
  groupsWithAccess: z.array(GroupRef).min(1).max(200).default(['workspace']),
});
export type CreateSecretInput = z.infer<typeof CreateSecretInput>;

/** A blank or absent `value` keeps the stored one. */
export const UpdateSecretInput = z.object({
  secretId: SecretId,
  name: SecretName,
  value: z.string().max(20_000).optional(),
  groupsWithAccess: z.array(GroupRef).min(1).max(200),
});
export type UpdateSecretInput = z.infer<typeof UpdateSecretInput>;

export const SecretRef = z.object({ secretId: SecretId });
export type SecretRef = z.infer<typeof SecretRef>;

export const SecretSummary = z.object({
  id: SecretId,
  name: z.string(),
  groupsWithAccess: z.array(z.string()),
  usageCount: z.number().int().nonnegative(),
  canManage: z.boolean(),
  updatedAt: z.date(),
});
export type SecretSummary = z.infer<typeof SecretSummary>;

export const ImportSecretInput = z.object({ projectId: ProjectId, secretId: SecretId });
export type ImportSecretInput = z.infer<typeof ImportSecretInput>;

/** What deleting a secret did: how many projects lost their import of it. */
export const DeleteSecretResult = z.object({ removedFromProjects: z.number().int().nonnegative() });
export type DeleteSecretResult = z.infer<typeof DeleteSecretResult>;

export const ProjectSecretsInput = z.object({ projectId: ProjectId });
export type ProjectSecretsInput = z.infer<typeof ProjectSecretsInput>;

/** A secret imported into a project, by name only: the value never leaves the server. */
export const ProjectSecret = z.object({ id: SecretId, name: z.string() });
export type ProjectSecret = z.infer<typeof ProjectSecret>;
