-- Relays: TeamCity servers behind a firewall, which the service reads through a relay program
-- next to them (src/relay). The relay connects out to the service with a relay token, shown once
-- and stored as its SHA-256 hash; the server's row has auth_kind 'relay' and no credentials, since
-- the relay keeps them.
SET LOCAL ROLE tcj_owner;

ALTER TABLE teamcity_servers DROP CONSTRAINT teamcity_servers_auth_kind_check;
ALTER TABLE teamcity_servers DROP CONSTRAINT teamcity_servers_check;
ALTER TABLE teamcity_servers
  ADD CONSTRAINT teamcity_servers_auth_kind_check CHECK (auth_kind IN ('token', 'basic', 'guest', 'relay')),
  ADD CONSTRAINT teamcity_servers_credentials_check CHECK ((auth_kind IN ('guest', 'relay')) = (credentials IS NULL));

CREATE TABLE relay_tokens (
  tenant_id  uuid NOT NULL,
  server_id  uuid NOT NULL,
  token_id   uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, token_id),
  FOREIGN KEY (tenant_id, server_id) REFERENCES teamcity_servers (tenant_id, server_id) ON DELETE CASCADE
);
-- Rotation revokes the old token in the transaction that creates the new one.
CREATE UNIQUE INDEX relay_tokens_live ON relay_tokens (tenant_id, server_id) WHERE revoked_at IS NULL;

-- What the admin pages show of a relay, written by the serve process that holds its connection
-- (holder), which renews seen_at while it does: a connection whose holder stopped renewing is gone.
CREATE TABLE relay_state (
  tenant_id       uuid NOT NULL,
  server_id       uuid NOT NULL,
  connected       boolean NOT NULL DEFAULT false,
  holder          text,
  seen_at         timestamptz,
  connected_since timestamptz,
  disconnected_at timestamptz,
  version         text,
  last_request_at timestamptz,
  requests        bigint NOT NULL DEFAULT 0,
  refusals        bigint NOT NULL DEFAULT 0,
  last_refusal    text,
  PRIMARY KEY (tenant_id, server_id),
  FOREIGN KEY (tenant_id, server_id) REFERENCES teamcity_servers (tenant_id, server_id) ON DELETE CASCADE
);

-- TeamCity requests for a relay whose connection another serve process holds: the asking process
-- inserts one, the holder claims it, runs it through the relay and writes the answer, and the
-- asker reads and deletes it. Notices (below) wake both sides.
CREATE TABLE relay_exchanges (
  tenant_id    uuid NOT NULL,
  server_id    uuid NOT NULL,
  exchange_id  bigint GENERATED ALWAYS AS IDENTITY,
  path         text NOT NULL CHECK (length(path) BETWEEN 1 AND 16384),
  created_at   timestamptz NOT NULL DEFAULT now(),
  claimed_by   text,
  answered_at  timestamptz,
  status       integer,
  content_type text,
  body         bytea,
  problem      text,
  PRIMARY KEY (tenant_id, exchange_id),
  FOREIGN KEY (tenant_id, server_id) REFERENCES teamcity_servers (tenant_id, server_id) ON DELETE CASCADE
);
CREATE INDEX relay_exchanges_unclaimed ON relay_exchanges (tenant_id, server_id) WHERE claimed_by IS NULL;

ALTER TABLE relay_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE relay_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON relay_tokens
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY maintenance_read ON relay_tokens FOR SELECT TO tcj_owner USING (true);
GRANT SELECT, INSERT, UPDATE ON relay_tokens TO tcj_app;

ALTER TABLE relay_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE relay_state FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON relay_state
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON relay_state TO tcj_app;

ALTER TABLE relay_exchanges ENABLE ROW LEVEL SECURITY;
ALTER TABLE relay_exchanges FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON relay_exchanges
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON relay_exchanges TO tcj_app;

-- A revoked or rotated token reaches the process holding its relay within moments; a new or
-- answered exchange wakes the processes concerned (db::ChangeFeed, see 0017).
CREATE TRIGGER relay_tokens_changed AFTER INSERT OR DELETE OR UPDATE OF revoked_at
  ON relay_tokens FOR EACH ROW EXECUTE FUNCTION notify_cached_change();
CREATE TRIGGER relay_exchanges_changed AFTER INSERT OR UPDATE OF answered_at
  ON relay_exchanges FOR EACH ROW EXECUTE FUNCTION notify_cached_change();

-- The relay a presented token opens, before any tenant is known: live tokens of relay servers of
-- installed sites, and never a server being removed.
CREATE FUNCTION relay_token_lookup(p_token_hash text)
  RETURNS TABLE (tenant_id uuid, server_id uuid, token_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT r.tenant_id, r.server_id, r.token_id FROM relay_tokens r
          JOIN teamcity_servers s ON s.tenant_id = r.tenant_id AND s.server_id = r.server_id
          JOIN tenants t ON t.tenant_id = r.tenant_id
         WHERE r.token_hash = p_token_hash AND r.revoked_at IS NULL AND s.auth_kind = 'relay'
           AND NOT s.deleting AND t.state <> 'uninstalled' $$;
REVOKE EXECUTE ON FUNCTION relay_token_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION relay_token_lookup(text) TO tcj_app;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION relay_token_lookup(text) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
