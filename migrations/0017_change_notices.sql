-- Change notices: every committed change to a table that `serve` processes cache (sites, Forge
-- installations, TeamCity servers and their settings, admin tokens) sends NOTIFY tcj_changes with
-- the payload "<table> <tenant id>", so every process sharing the database drops what it cached of
-- that site within moments (db::ChangeFeed). The notice is sent at commit, never for a rolled-back
-- change, and PostgreSQL folds identical notices of one transaction into one.
-- Only the columns a cache holds: the sync's frequent writes (server_sync, builds) send nothing,
-- and admin_tokens only when a token is revoked or removed (last_used_at changes once a minute).
SET LOCAL ROLE tcj_owner;

CREATE FUNCTION notify_cached_change() RETURNS trigger
  LANGUAGE plpgsql SET search_path FROM CURRENT
  AS $$
  BEGIN
    PERFORM pg_notify('tcj_changes',
                      TG_TABLE_NAME || ' ' || (CASE TG_OP WHEN 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END));
    RETURN NULL;
  END $$;
REVOKE EXECUTE ON FUNCTION notify_cached_change() FROM PUBLIC;

CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION notify_cached_change();
CREATE TRIGGER teamcity_servers_changed AFTER INSERT OR UPDATE OR DELETE ON teamcity_servers
  FOR EACH ROW EXECUTE FUNCTION notify_cached_change();
CREATE TRIGGER forge_installations_changed
  AFTER INSERT OR DELETE OR UPDATE OF tenant_id, state, app_id, environment_type, environment_id, api_base_url
  ON forge_installations FOR EACH ROW EXECUTE FUNCTION notify_cached_change();
CREATE TRIGGER admin_tokens_changed AFTER INSERT OR DELETE OR UPDATE OF tenant_id, token_hash, revoked_at
  ON admin_tokens FOR EACH ROW EXECUTE FUNCTION notify_cached_change();

-- As every function of this schema (0010): pg_catalog first, pg_temp last.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION notify_cached_change() SET search_path = pg_catalog, %I, pg_temp', current_schema());
END
$$;
