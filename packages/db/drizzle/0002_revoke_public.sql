-- Issue 7 item 12: PostgreSQL grants PUBLIC CONNECT and TEMP on every new database, so any login
-- role of the server (a warehouse reader on the same cluster, say) could open Quarry's own database
-- and read what PUBLIC may read there. Quarry connects as the database's owner, which keeps both.
-- The database's name differs per install (and per test), hence the DO block.
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
