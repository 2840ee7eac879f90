-- Sites moving between links. Connect sites learn their cloud id. Jira's Connect lifecycle payload has none; the site's
-- unauthenticated /_edge/tenant_info says it. With it, a Connect site that installs the Forge app
-- is found by the cloud id Forge names (forge_site_lookup) and keeps its servers, rules and
-- history. The service asks for the sites below in the background; cloud_id_checked_at spaces out
-- the asking for a site that did not answer.
SET LOCAL ROLE tcj_owner;

ALTER TABLE tenants ADD COLUMN cloud_id_checked_at timestamptz;

-- forget_link: after a site moved to Forge, what its old link (Connect, OAuth) sent is deleted
-- from Jira through that link, and then sent again through Forge: never twice in Jira.
-- resend_from: set with a new installation of a site already known (a reinstall: 'none', a move:
-- the old link), cleared once the resend job is queued, so that a failure between the two is
-- made good by Forge's retry of the event.
ALTER TABLE forge_installations ADD COLUMN resend_from text CHECK (resend_from IN ('none', 'connect', 'oauth'));
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
  CHECK (kind IN ('poll', 'send', 'backfill', 'delete_server', 'forget_link'));

CREATE FUNCTION connect_sites_without_cloud_id(p_limit integer, p_recheck_seconds integer)
  RETURNS TABLE (tenant_id uuid, site_url text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT t.tenant_id, t.site_url FROM tenants t
         WHERE t.kind = 'connect' AND t.state = 'active' AND t.cloud_id IS NULL
           AND (t.cloud_id_checked_at IS NULL
                OR t.cloud_id_checked_at < now() - make_interval(secs => p_recheck_seconds))
         ORDER BY t.cloud_id_checked_at NULLS FIRST, t.tenant_id LIMIT least(greatest(p_limit, 0), 100) $$;
GRANT EXECUTE ON FUNCTION connect_sites_without_cloud_id(integer, integer) TO tcj_app;

-- As every function of this schema (0010): pg_catalog first, pg_temp last.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION connect_sites_without_cloud_id(integer, integer) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
