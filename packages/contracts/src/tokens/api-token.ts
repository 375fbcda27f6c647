import { z } from 'zod';
import { MAX_ID_LENGTH } from '../transport/request-limits';

const DAY = 24 * 60 * 60 * 1000;
export const API_TOKEN_DEFAULT_DAYS = 90;
export const API_TOKEN_MAX_DAYS = 365;
export const API_TOKEN_DAY_MS = DAY;

export const CreateApiTokenInput = z.object({
  name: z.string().trim().min(1, { message: 'Name the token so you can recognise it later' }).max(100),
  /** Always expires: 90 days unless chosen, at most one year. */
  expiresInDays: z.number().int().min(1).max(API_TOKEN_MAX_DAYS).default(API_TOKEN_DEFAULT_DAYS),
});
export type CreateApiTokenInput = z.input<typeof CreateApiTokenInput>;

export const ApiTokenSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** The first characters of the token, enough to recognise it, never enough to use it. */
  prefix: z.string(),
  createdAt: z.date(),
  expiresAt: z.date(),
  lastUsedAt: z.date().nullable(),
});
export type ApiTokenSummary = z.infer<typeof ApiTokenSummary>;

/** Returned once, at creation: the only time the secret leaves the server. */
export const CreatedApiToken = z.object({ token: z.string(), summary: ApiTokenSummary });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;

export const RevokeApiTokenInput = z.object({ tokenId: z.string().min(1).max(MAX_ID_LENGTH) });
