CREATE TABLE "result_cache_chunks" (
	"entry_id" text NOT NULL,
	"seq" integer NOT NULL,
	"row_count" integer NOT NULL,
	"payload" "bytea" NOT NULL,
	CONSTRAINT "result_cache_chunks_entry_id_seq_pk" PRIMARY KEY("entry_id","seq")
);
--> statement-breakpoint
CREATE TABLE "result_cache_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"row_count" integer,
	"truncated" boolean DEFAULT false NOT NULL,
	"complete" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "result_cache_keys" (
	"workspace_id" text PRIMARY KEY NOT NULL,
	"sealed_key" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "cache_ttl_seconds" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "refresh" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "cache_hit_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "result_cache_chunks" ADD CONSTRAINT "result_cache_chunks_entry_id_result_cache_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."result_cache_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_cache_entries" ADD CONSTRAINT "result_cache_entries_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_cache_entries" ADD CONSTRAINT "result_cache_entries_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_cache_keys" ADD CONSTRAINT "result_cache_keys_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "result_cache_entries_key_idx" ON "result_cache_entries" USING btree ("workspace_id","key_hash","created_at");--> statement-breakpoint
CREATE INDEX "result_cache_entries_connection_idx" ON "result_cache_entries" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "result_cache_entries_expires_idx" ON "result_cache_entries" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "result_cache_entries_incomplete_idx" ON "result_cache_entries" USING btree ("created_at") WHERE not "result_cache_entries"."complete";