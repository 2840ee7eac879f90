-- Forge installations: Jira sites that installed the Forge app whose backend is this service.
-- A site is one tenant whatever link it uses: a site known by its cloud id (through OAuth, or an
-- earlier Forge installation) that installs the Forge app keeps its tenant, servers and history,
-- and tenants.kind says which link is active. Forge gives a new installation id on every reinstall;
-- each is a row here. The app system token Forge sends with every invocation is kept sealed
-- (envelope format v1, purpose forge-system-token) with its expiry, for sending to Jira between
-- invocations.
SET LOCAL ROLE tcj_owner;

ALTER TABLE tenants DROP CONSTRAINT tenants_kind_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_kind_check CHECK (kind IN ('connect', 'oauth', 'forge'));

CREATE TABLE forge_installations (
  tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  installation_id  text PRIMARY KEY CHECK (installation_id ~ '^ari:cloud:ecosystem::installation/[A-Za-z0-9_-]{1,64}$'),
  record_id        uuid NOT NULL UNIQUE,  -- the sealed token's record id (encryption context, key rotation)
  cloud_id         text NOT NULL CHECK (length(cloud_id) BETWEEN 1 AND 64),
  app_id           text NOT NULL CHECK (length(app_id) BETWEEN 1 AND 200),
  environment_type text NOT NULL DEFAULT '' CHECK (length(environment_type) <= 32),
  environment_id   text NOT NULL DEFAULT '' CHECK (length(environment_id) <= 255),
  api_base_url     text NOT NULL CHECK (length(api_base_url) BETWEEN 1 AND 2000),
  system_token     bytea,
  system_token_expires_at timestamptz,
  state            text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'uninstalled')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  uninstalled_at   timestamptz,
  CHECK ((state = 'uninstalled') = (uninstalled_at IS NOT NULL)),
  CHECK ((system_token IS NULL) = (system_token_expires_at IS NULL))
);
CREATE INDEX forge_installations_tenant ON forge_installations (tenant_id);
CREATE INDEX forge_installations_cloud ON forge_installations (cloud_id);
ALTER TABLE forge_installations ENABLE ROW LEVEL SECURITY;
ALTER TABLE forge_installations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON forge_installations
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY maintenance_read ON forge_installations FOR SELECT TO tcj_owner USING (true);
REVOKE TRUNCATE ON forge_installations FROM tcj_app;

-- The tenant of an installation id, before any tenant context exists (a Forge Invocation Token's
-- installation is all a request says about its tenant).
CREATE FUNCTION forge_installation_lookup(p_installation_id text)
  RETURNS TABLE (tenant_id uuid, state text, tenant_state text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT f.tenant_id, f.state, t.state FROM forge_installations f JOIN tenants t USING (tenant_id)
         WHERE f.installation_id = p_installation_id $$;
GRANT EXECUTE ON FUNCTION forge_installation_lookup(text) TO tcj_app;

-- The site a Forge installation belongs to when it is new: the tenant already known by this cloud
-- id, through OAuth or an earlier installation (a reinstall), the most recently active first.
CREATE FUNCTION forge_site_lookup(p_cloud_id text)
  RETURNS TABLE (tenant_id uuid, kind text, state text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT t.tenant_id, t.kind, t.state FROM tenants t
         WHERE t.cloud_id = p_cloud_id
            OR EXISTS (SELECT 1 FROM forge_installations f WHERE f.tenant_id = t.tenant_id AND f.cloud_id = p_cloud_id)
         ORDER BY t.state = 'active' DESC, t.updated_at DESC LIMIT 1 $$;
GRANT EXECUTE ON FUNCTION forge_site_lookup(text) TO tcj_app;

CREATE OR REPLACE FUNCTION maintenance_secret_key_usage()
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
    UNION ALL
    SELECT 'teamcity_servers.webhook_secret', secret_key_id(webhook_secret), count(*)
      FROM teamcity_servers WHERE webhook_secret IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'forge_installations.system_token', secret_key_id(system_token), count(*)
      FROM forge_installations WHERE system_token IS NOT NULL GROUP BY 2
  $$;

-- The functions above, as every function of this schema (0010): pg_catalog first, pg_temp last.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOREACH f IN ARRAY ARRAY['forge_installation_lookup(text)', 'forge_site_lookup(text)',
                           'maintenance_secret_key_usage()']::regprocedure[] LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
  END LOOP;
END
$$;
