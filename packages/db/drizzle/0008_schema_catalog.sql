CREATE TABLE "schema_columns" (
	"table_id" text NOT NULL,
	"workspace_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"db_type" text NOT NULL,
	"nullable" boolean NOT NULL,
	"comment" text,
	"primary_key" boolean NOT NULL,
	CONSTRAINT "schema_columns_table_id_position_pk" PRIMARY KEY("table_id","position")
);
--> statement-breakpoint
CREATE TABLE "schema_refreshes" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"progress_done" integer DEFAULT 0 NOT NULL,
	"progress_total" integer,
	"requested_by" text,
	"job_id" text,
	"error_code" text,
	"error_message" text,
	"added" integer,
	"removed" integer,
	"changed" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schema_tables" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"database" text NOT NULL,
	"schema" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"comment" text,
	"column_count" integer NOT NULL,
	"signature" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "refresh_cadence" text;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "schema_filter" jsonb DEFAULT '{"include":[],"exclude":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "schema_columns" ADD CONSTRAINT "schema_columns_table_id_schema_tables_id_fk" FOREIGN KEY ("table_id") REFERENCES "public"."schema_tables"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schema_columns" ADD CONSTRAINT "schema_columns_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schema_refreshes" ADD CONSTRAINT "schema_refreshes_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schema_tables" ADD CONSTRAINT "schema_tables_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "schema_columns_connection_idx" ON "schema_columns" USING btree ("connection_id");--> statement-breakpoint
CREATE UNIQUE INDEX "schema_refreshes_one_active_idx" ON "schema_refreshes" USING btree ("connection_id") WHERE "schema_refreshes"."status" in ('queued', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "schema_refreshes_job_idx" ON "schema_refreshes" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "schema_refreshes_connection_idx" ON "schema_refreshes" USING btree ("connection_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "schema_tables_path_idx" ON "schema_tables" USING btree ("connection_id","database","schema","name");