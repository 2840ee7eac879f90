-- What the runtime role can reach through the owner's functions, narrowed.
--
-- 1. A SECURITY DEFINER function runs as tcj_owner. When its search_path does not name pg_temp,
--    PostgreSQL searches the caller's temporary schema first for tables, so a temporary table
--    called `jobs` with a trigger would run the caller's code as the owner, who can switch row
--    level security off. Every function of this schema now searches pg_catalog, then this
--    schema, then pg_temp, and builds its dynamic SQL from schema-qualified names; no role of
--    ours may create temporary objects at all. The migration runner refuses any later
--    migration that leaves a definer function without pg_temp last.
-- 2. purge_tenant(..., p_any_state) let the runtime role delete an active site, and
--    maintenance_tenants() let it list every site. The runtime role keeps only the purge of
--    sites uninstalled before a cutoff; deletion on request (`sites delete`) and the list of all
--    sites (`sites list`) belong to the owner and its members, reached through database.migrate_url.
-- 3. The tombstones of purged sites are the operator's records, not the service's.
-- 4. Functions were executable by PUBLIC after all: the first migration revoked EXECUTE in the
--    schema's default privileges, but PostgreSQL only adds per-schema defaults to the global one,
--    which grants EXECUTE to PUBLIC. The global default of tcj_owner's functions is revoked now, and
--    every function keeps only the explicit grants to tcj_app of the paths it is meant to have.

-- Revoking a database privilege takes the database's owner or a superuser, so this runs before
-- switching to tcj_owner. A migrating role that is neither gets a warning here, and `serve`
-- refuses to start while the runtime role can still create temporary tables.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM tcj_app', current_database());
END
$$;

SET LOCAL ROLE tcj_owner;

ALTER DEFAULT PRIVILEGES FOR ROLE tcj_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
DO $$
BEGIN
  EXECUTE format('REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', current_schema());
END
$$;

DROP FUNCTION purge_tenant(uuid, timestamptz, boolean);
DROP FUNCTION tenant_tables();
REVOKE ALL ON tenant_tombstones FROM tcj_app;
REVOKE EXECUTE ON FUNCTION maintenance_tenants() FROM tcj_app;

DO $body$
DECLARE
  schema_name constant text := current_schema();
BEGIN
  -- Every table of this schema with a tenant_id column, schema-qualified, from the catalog: a
  -- table added later is covered without touching the purge. The schema is written into the
  -- function because current_schema() inside it would name pg_catalog, first on its path.
  EXECUTE format($f$
    CREATE FUNCTION tenant_tables() RETURNS TABLE (qualified_name text)
      LANGUAGE sql STABLE
      AS $$ SELECT format('%%I.%%I', ns.nspname, c.relname) FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
             WHERE ns.nspname = %L AND c.relkind IN ('r', 'p') AND a.attname = 'tenant_id'
               AND NOT a.attisdropped
             ORDER BY c.relname $$
  $f$, schema_name);
END
$body$;

-- Deletes every row of the tenant from every table tenant_tables() names, checks that none is
-- left, and leaves a tombstone. Returns the rows deleted, or -1 when the tenant is not (or no
-- longer) to be deleted: it must be uninstalled before p_cutoff unless p_any_state, and not be
-- purged by another process right now (SKIP LOCKED): safe on many instances at once. Not granted
-- to anyone: the two functions below are the ways in.
CREATE FUNCTION delete_tenant_rows(p_tenant uuid, p_cutoff timestamptz, p_any_state boolean) RETURNS bigint
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  target  record;
  t       text;
  deleted bigint := 0;
  n       bigint;
BEGIN
  -- Row level security still applies to the owner (FORCE): it sees this tenant's rows only.
  PERFORM set_config('app.tenant_id', p_tenant::text, true);
  SELECT tenant_id, kind, coalesce(client_key, site_url) AS identity, created_at, uninstalled_at INTO target
    FROM tenants
   WHERE tenant_id = p_tenant AND (p_any_state OR (state = 'uninstalled' AND uninstalled_at < p_cutoff))
   FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN -1;
  END IF;
  -- Counted before anything goes: deletes cascade along foreign keys, so their row counts would
  -- miss rows. Then the tenant (cascading), then whatever has no foreign key to it, then a check.
  FOR t IN SELECT qualified_name FROM tenant_tables() LOOP
    EXECUTE format('SELECT count(*) FROM %s WHERE tenant_id = $1', t) INTO n USING p_tenant;
    deleted := deleted + n;
  END LOOP;
  DELETE FROM tenants WHERE tenant_id = p_tenant;
  FOR t IN SELECT qualified_name FROM tenant_tables() LOOP
    EXECUTE format('DELETE FROM %s WHERE tenant_id = $1', t) USING p_tenant;
  END LOOP;
  FOR t IN SELECT qualified_name FROM tenant_tables() LOOP
    EXECUTE format('SELECT count(*) FROM %s WHERE tenant_id = $1', t) INTO n USING p_tenant;
    IF n <> 0 THEN
      RAISE EXCEPTION 'purge of tenant % left % rows in %', p_tenant, n, t;
    END IF;
  END LOOP;
  INSERT INTO tenant_tombstones (identity_hash, kind, created_at, uninstalled_at)
  VALUES (encode(sha256(convert_to(target.identity, 'UTF8')), 'hex'), target.kind, target.created_at,
          target.uninstalled_at);
  RETURN deleted;
END
$$;

-- The retention purge inside `serve`: only sites uninstalled before the cutoff.
CREATE FUNCTION purge_uninstalled_tenant(p_tenant uuid, p_cutoff timestamptz) RETURNS bigint
  LANGUAGE sql VOLATILE SECURITY DEFINER
  AS $$ SELECT delete_tenant_rows(p_tenant, p_cutoff, false) $$;
GRANT EXECUTE ON FUNCTION purge_uninstalled_tenant(uuid, timestamptz) TO tcj_app;

-- A data deletion request (`sites delete`), whatever the site's state: the owner's members only.
CREATE FUNCTION delete_tenant_on_request(p_tenant uuid) RETURNS bigint
  LANGUAGE sql VOLATILE SECURITY DEFINER
  AS $$ SELECT delete_tenant_rows(p_tenant, NULL, true) $$;

-- One site by tenant id or URL (scheme, case and trailing slashes ignored), for the operator's
-- commands that name a site (`admin-tokens create --site ...`): no secret, and no way to list
-- the others.
CREATE FUNCTION find_site(p_id_or_url text)
  RETURNS TABLE (tenant_id uuid, kind text, site_url text, state text, client_key text, cloud_id text,
                 created_at timestamptz, uninstalled_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  AS $$ SELECT tenant_id, kind, site_url, state, client_key, cloud_id, created_at, uninstalled_at FROM tenants
         WHERE tenant_id::text = p_id_or_url
            OR regexp_replace(regexp_replace(lower(site_url), '^https?://', ''), '/+$', '') =
               regexp_replace(regexp_replace(lower(p_id_or_url), '^https?://', ''), '/+$', '')
         ORDER BY created_at LIMIT 1 $$;
GRANT EXECUTE ON FUNCTION find_site(text) TO tcj_app;

-- Every function of this schema, the ones above included: pg_catalog first, pg_temp last.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind = 'f' LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
  END LOOP;
END
$$;
