CREATE TABLE "audit_chain_heads" (
	"chain" text PRIMARY KEY NOT NULL,
	"seq" integer NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
-- Every chain's newest entry, as the chain's head from now on: appends move the head in the same
-- statement that inserts the entry, instead of taking an advisory lock and reading the newest entry.
INSERT INTO "audit_chain_heads" ("chain", "seq", "prev_hash", "hash")
SELECT DISTINCT ON ("chain") "chain", "seq", "prev_hash", "hash"
FROM "audit_events"
ORDER BY "chain", "seq" DESC;
