-- Encrypted secrets: the Jira-side secret of each tenant, the TeamCity servers with their
-- encrypted credentials, and the narrow cross-tenant paths the key commands need.
--
-- Secret columns hold envelope ciphertexts (format v1, see src/crypto/envelope.hpp), never
-- plaintext. Their encryption context (tenant, purpose, record id) is rebuilt from the row, so a
-- value copied to another row cannot be decrypted. Master keys never enter the database.
SET LOCAL ROLE tcj_owner;

-- The key id inside a ciphertext: byte 3 holds its length, the id follows.
CREATE FUNCTION secret_key_id(ciphertext bytea) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN length(ciphertext) > 3 AND get_byte(ciphertext, 0) = 1
              THEN encode(substring(ciphertext FROM 4 FOR get_byte(ciphertext, 2)), 'escape') END;
GRANT EXECUTE ON FUNCTION secret_key_id(bytea) TO tcj_app;

-- Purpose connect-shared-secret (Connect sites) and oauth-client-secret (OAuth sites).
ALTER TABLE tenants
  ADD COLUMN connect_shared_secret bytea,
  ADD COLUMN oauth_client_secret bytea;

CREATE TABLE teamcity_servers (
  tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  server_id   uuid NOT NULL,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  url         text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
  auth_kind   text NOT NULL CHECK (auth_kind IN ('token', 'basic', 'guest')),
  -- Purpose teamcity-credential; the sealed JSON repeats the URL, so that pointing the row at
  -- another server makes the credential refuse to open.
  credentials bytea CHECK ((auth_kind = 'guest') = (credentials IS NULL)),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, server_id),
  UNIQUE (tenant_id, name)
);

ALTER TABLE teamcity_servers ENABLE ROW LEVEL SECURITY;
ALTER TABLE teamcity_servers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teamcity_servers
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Cross-tenant reads for maintenance, only through the SECURITY DEFINER functions below (owned
-- by tcj_owner; the runtime role cannot become it). Each returns ids or counts, never secrets.
CREATE POLICY maintenance_read ON tenants FOR SELECT TO tcj_owner USING (true);
CREATE POLICY maintenance_read ON teamcity_servers FOR SELECT TO tcj_owner USING (true);

CREATE FUNCTION maintenance_tenant_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT tenant_id FROM tenants ORDER BY tenant_id $$;
GRANT EXECUTE ON FUNCTION maintenance_tenant_ids() TO tcj_app;

-- Records per (column, key id): what `keys status` shows and the secrets_records metric exports.
CREATE FUNCTION maintenance_secret_key_usage()
  RETURNS TABLE (column_name text, key_id text, records bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
    SELECT 'tenants.connect_shared_secret', secret_key_id(connect_shared_secret), count(*)
      FROM tenants WHERE connect_shared_secret IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'tenants.oauth_client_secret', secret_key_id(oauth_client_secret), count(*)
      FROM tenants WHERE oauth_client_secret IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'teamcity_servers.credentials', secret_key_id(credentials), count(*)
      FROM teamcity_servers WHERE credentials IS NOT NULL GROUP BY 2
  $$;
GRANT EXECUTE ON FUNCTION maintenance_secret_key_usage() TO tcj_app;
