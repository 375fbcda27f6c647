ALTER TABLE "connections" ADD COLUMN "stored_secrets" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
-- Every connection sealed before this is PostgreSQL's, whose only secret field is its password.
UPDATE "connections" SET "stored_secrets" = '{password}' WHERE "credentials" IS NOT NULL AND "kind" = 'postgres';
