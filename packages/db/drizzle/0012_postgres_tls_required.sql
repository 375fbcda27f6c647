-- PostgreSQL connections are always encrypted (the seed's table: PostgreSQL TLS is Required), so
-- the `disable` mode is gone. A connection or an unsaved test probe stored with it becomes
-- `require`: it encrypts where its server offers TLS, and where it does not, it fails with
-- connector.tls_unavailable, which says what to do, rather than "settings no longer valid".
UPDATE "connections" SET "settings" = jsonb_set("settings", '{sslMode}', '"require"')
WHERE "kind" = 'postgres' AND "settings"->>'sslMode' = 'disable';
--> statement-breakpoint
UPDATE "connection_probes" SET "settings" = jsonb_set("settings", '{sslMode}', '"require"')
WHERE "kind" = 'postgres' AND "settings"->>'sslMode' = 'disable';
