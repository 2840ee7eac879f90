-- Trial sites: a site made on this machine for trying the service out (`serve --trial-site`, which
-- `make run` passes) before any Jira is connected. Its servers are read and their builds linked to
-- issue keys, shown in the admin pages and diagnostics, and never sent anywhere: it has no Jira.
-- site_counts() gives serve's start-up summary how many sites and servers there are, without any
-- site's rows: counts only.
SET LOCAL ROLE tcj_owner;

ALTER TABLE tenants DROP CONSTRAINT tenants_kind_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_kind_check CHECK (kind IN ('connect', 'oauth', 'forge', 'trial'));

CREATE FUNCTION site_counts()
  RETURNS TABLE (kind text, state text, sites bigint, servers bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT t.kind, t.state, count(*),
               coalesce(sum((SELECT count(*) FROM teamcity_servers s
                              WHERE s.tenant_id = t.tenant_id AND NOT s.deleting)), 0)::bigint
          FROM tenants t GROUP BY t.kind, t.state $$;
REVOKE EXECUTE ON FUNCTION site_counts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION site_counts() TO tcj_app;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION site_counts() SET search_path = pg_catalog, %I, pg_temp', current_schema());
END
$$;
