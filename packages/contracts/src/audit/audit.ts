import { z } from 'zod';

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.date(),
  actorId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  outcome: z.string(),
  ip: z.string().nullable(),
  details: z.unknown(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const ListAuditInput = z.object({
  /** Entries older than this seq (paging backwards from the newest). */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(100),
  action: z.string().max(80).optional(),
  actorId: z.string().max(40).optional(),
});
export type ListAuditInput = z.infer<typeof ListAuditInput>;
export const AuditPage = z.object({ entries: z.array(AuditEntry), nextBefore: z.number().int().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;
export const AuditVerification = z.object({
  entries: z.number().int(),
  intact: z.boolean(),
  firstBreak: z.object({ seq: z.number().int(), problem: z.string() }).nullable(),
});
