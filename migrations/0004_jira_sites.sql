-- How each tenant reaches Jira: Connect installations (client key, base and display URL) and
-- OAuth client-credentials sites (client id, cloud id); and the local admin tokens.
SET LOCAL ROLE tcj_owner;

ALTER TABLE tenants
  ADD COLUMN client_key      text CHECK (client_key IS NULL OR length(client_key) BETWEEN 1 AND 255),
  ADD COLUMN display_url     text CHECK (display_url IS NULL OR length(display_url) <= 2000),
  ADD COLUMN oauth_client_id text CHECK (oauth_client_id IS NULL OR length(oauth_client_id) BETWEEN 1 AND 255),
  ADD COLUMN cloud_id        text CHECK (cloud_id IS NULL OR length(cloud_id) BETWEEN 1 AND 255),
  ADD COLUMN installed_at    timestamptz;

-- A Connect site is one tenant forever (a reinstall finds it again); an OAuth site likewise by
-- its cloud id. These are registry keys, so they are unique across tenants.
CREATE UNIQUE INDEX tenants_client_key ON tenants (client_key) WHERE client_key IS NOT NULL;
CREATE UNIQUE INDEX tenants_oauth_cloud ON tenants (cloud_id) WHERE kind = 'oauth';

-- The tenant of a Connect client key, before any tenant context exists (the JWT's iss and the
-- install callback's clientKey are all a request says about its tenant). Returns the sealed
-- shared secret, which only opens under that tenant's context.
CREATE FUNCTION connect_tenant_lookup(p_client_key text)
  RETURNS TABLE (tenant_id uuid, state text, site_url text, connect_shared_secret bytea)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT tenant_id, state, site_url, connect_shared_secret FROM tenants WHERE client_key = p_client_key $$;
GRANT EXECUTE ON FUNCTION connect_tenant_lookup(text) TO tcj_app;

-- For the operator's `sites list`: what each tenant is, without any secret.
CREATE FUNCTION maintenance_tenants()
  RETURNS TABLE (tenant_id uuid, kind text, site_url text, state text, client_key text, cloud_id text,
                 created_at timestamptz, uninstalled_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT tenant_id, kind, site_url, state, client_key, cloud_id, created_at, uninstalled_at
          FROM tenants ORDER BY created_at $$;
GRANT EXECUTE ON FUNCTION maintenance_tenants() TO tcj_app;

-- Bearer tokens for the standalone admin pages and API (`teamcity-jira admin-tokens create`).
-- Only a SHA-256 of each token is kept; the token itself is shown once.
CREATE TABLE admin_tokens (
  tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  token_id     uuid NOT NULL,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash   text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  PRIMARY KEY (tenant_id, token_id)
);
ALTER TABLE admin_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE admin_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON admin_tokens
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY maintenance_read ON admin_tokens FOR SELECT TO tcj_owner USING (true);

-- The tenant of a presented token hash, for the local_admin authentication.
CREATE FUNCTION admin_token_lookup(p_token_hash text)
  RETURNS TABLE (tenant_id uuid, token_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT a.tenant_id, a.token_id FROM admin_tokens a JOIN tenants t USING (tenant_id)
         WHERE a.token_hash = p_token_hash AND a.revoked_at IS NULL AND t.state <> 'uninstalled' $$;
GRANT EXECUTE ON FUNCTION admin_token_lookup(text) TO tcj_app;
