-- A refusal decided by the server inside a statement: a start's caps and the notebook's bound are
-- checked in the statements sent with its COMMIT, so the workspace's lock is held for the server's
-- work alone, never for a round trip to the API. SQLSTATE QR001; the message is Quarry's error code,
-- the detail what the API needs to word it.
CREATE FUNCTION quarry_refuse(code text, detail text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'QR001', MESSAGE = code, DETAIL = detail;
END
$$;
