import type { AccessErrorCode, SecretsErrorCode } from '@quarry/contracts';
import type { CodedError } from '../errors';

/** Names are what a kernel reads a secret by, so two secrets of a workspace never share one. */
export const nameTaken = (name: string): CodedError<SecretsErrorCode> => ({
  code: 'secrets.name_taken',
  message: `A secret named '${name}' already exists in this workspace`,
  hint: 'Choose another name, or edit the existing secret',
});

export const alreadyImported = (name: string): CodedError<SecretsErrorCode> => ({
  code: 'secrets.already_imported',
  message: `The secret '${name}' is already part of this project`,
  hint: 'It is ready to use in the project',
});

/** Importing a secret outside the caller's groups: refused, naming the secret (never its value). */
export const noSecretAccess = (name: string): CodedError<AccessErrorCode> => ({
  code: 'access.no_asset_access',
  message: `You have no access to secret '${name}'`,
  hint: 'Ask an Admin to add one of your groups to the secret’s groups with access',
});
