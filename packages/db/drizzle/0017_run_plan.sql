ALTER TABLE "runs" ALTER COLUMN "connection_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "connection_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "plan" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "inputs" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "steps" jsonb;--> statement-breakpoint
-- Runs before notebooks each ran one SQL cell on one connection: that is all their result derives from.
UPDATE "runs" SET "connection_ids" = ARRAY["connection_id"] WHERE "connection_id" IS NOT NULL;
