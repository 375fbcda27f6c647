ALTER TABLE "workspace_members" ADD COLUMN "deactivated_at" timestamp with time zone;--> statement-breakpoint
-- Accounts deactivated before deactivation became per workspace stay deactivated in every
-- workspace they belonged to; from now on each workspace decides only for itself (AUTH-9).
UPDATE "workspace_members" AS m SET "deactivated_at" = u."deactivated_at" FROM "users" AS u WHERE u."id" = m."user_id" AND u."deactivated_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "deactivated_at";
