DROP INDEX "schema_columns_search_idx";--> statement-breakpoint
CREATE INDEX "schema_columns_search_c_idx" ON "schema_columns" USING btree ("connection_id",("search_name" collate "C"));