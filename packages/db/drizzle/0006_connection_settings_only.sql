-- A project connection whose project is gone serves nothing: it goes, so its project can be enforced.
DELETE FROM "connections" WHERE "project_id" IS NOT NULL AND "project_id" NOT IN (SELECT "id" FROM "projects");--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connections" DROP COLUMN "host";--> statement-breakpoint
ALTER TABLE "connections" DROP COLUMN "port";--> statement-breakpoint
ALTER TABLE "connections" DROP COLUMN "database";--> statement-breakpoint
ALTER TABLE "connections" DROP COLUMN "username";--> statement-breakpoint
ALTER TABLE "connections" DROP COLUMN "ssl_mode";