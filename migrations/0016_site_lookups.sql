-- Two lookups that must not pick one of two sites at random.
--  * forge_site_lookup: a Forge installation joins the Forge site of its cloud id before any other
--    site of it (a Connect site whose cloud id was learnt after the Forge app made its own site
--    would otherwise be turned into a second Forge site of the cloud id, which 0014 forbids).
--  * find_site: the operator's commands name a site by URL; when two sites have that URL (a
--    Connect site and the Forge site of the same Jira, or a renamed site whose old name was taken
--    again), the caller gets both and asks for the tenant id instead of acting on the older one.
SET LOCAL ROLE tcj_owner;

CREATE OR REPLACE FUNCTION forge_site_lookup(p_cloud_id text)
  RETURNS TABLE (tenant_id uuid, kind text, state text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT t.tenant_id, t.kind, t.state FROM tenants t
         WHERE t.cloud_id = p_cloud_id
            OR EXISTS (SELECT 1 FROM forge_installations f WHERE f.tenant_id = t.tenant_id AND f.cloud_id = p_cloud_id)
         ORDER BY t.kind = 'forge' DESC, t.state = 'active' DESC, t.updated_at DESC LIMIT 1 $$;

-- At most two rows: an exact tenant id first; two rows by URL mean the URL is ambiguous.
CREATE OR REPLACE FUNCTION find_site(p_id_or_url text)
  RETURNS TABLE (tenant_id uuid, kind text, site_url text, state text, client_key text, cloud_id text,
                 created_at timestamptz, uninstalled_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT tenant_id, kind, site_url, state, client_key, cloud_id, created_at, uninstalled_at FROM tenants
         WHERE tenant_id::text = p_id_or_url
            OR regexp_replace(regexp_replace(lower(site_url), '^https?://', ''), '/+$', '') =
               regexp_replace(regexp_replace(lower(p_id_or_url), '^https?://', ''), '/+$', '')
         ORDER BY tenant_id::text = p_id_or_url DESC, created_at LIMIT 2 $$;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION forge_site_lookup(text) SET search_path = pg_catalog, %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION find_site(text) SET search_path = pg_catalog, %I, pg_temp', current_schema());
END
$$;
