ALTER TABLE "cells" ADD COLUMN "name" text;--> statement-breakpoint
-- Existing cells (all SQL until now) are named query_1, query_2, … in their project's order.
UPDATE "cells" SET "name" = numbered."name" FROM (
  SELECT "id", 'query_' || row_number() OVER (PARTITION BY "project_id" ORDER BY "position", "id") AS "name"
  FROM "cells"
) AS numbered WHERE numbered."id" = "cells"."id";--> statement-breakpoint
ALTER TABLE "cells" ALTER COLUMN "name" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "cells" ADD COLUMN "config" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "cells_project_name_idx" ON "cells" USING btree ("project_id","name");
