ALTER TABLE "sessions" ADD COLUMN "auth_method" text DEFAULT 'password' NOT NULL;--> statement-breakpoint
-- Sessions from before the upgrade do not say how they were made: treat them as single sign-on,
-- which acts in its own workspace only, rather than let one made by an identity provider switch
-- into another workspace. People signed in with a password sign in again to switch.
UPDATE "sessions" SET "auth_method" = 'sso';
