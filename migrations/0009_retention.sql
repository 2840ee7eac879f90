-- Retention: a site uninstalled longer than retention.uninstalled_days ago is deleted, every row of
-- it, leaving only a tombstone that says a site was here and when.
SET LOCAL ROLE tcj_owner;

-- No tenant data: the hash of the site's client key (Connect) or URL (OAuth), and dates.
CREATE TABLE tenant_tombstones (
  identity_hash  text NOT NULL CHECK (length(identity_hash) = 64),
  kind           text NOT NULL,
  created_at     timestamptz NOT NULL,
  uninstalled_at timestamptz,
  purged_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_tombstones_by_identity ON tenant_tombstones (identity_hash);

-- Tenants uninstalled before the cutoff, oldest first.
CREATE FUNCTION purgeable_tenants(p_cutoff timestamptz) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT tenant_id FROM tenants WHERE state = 'uninstalled' AND uninstalled_at < p_cutoff
         ORDER BY uninstalled_at $$;
GRANT EXECUTE ON FUNCTION purgeable_tenants(timestamptz) TO tcj_app;

-- Every table of this schema with a tenant_id column, from the catalog: a table added later is
-- covered without touching the purge.
CREATE FUNCTION tenant_tables() RETURNS TABLE (table_name text)
  LANGUAGE sql STABLE SET search_path FROM CURRENT
  AS $$ SELECT c.relname::text FROM pg_class c
          JOIN pg_namespace ns ON ns.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid
         WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attname = 'tenant_id'
           AND NOT a.attisdropped
         ORDER BY 1 $$;

-- Deletes every row of the tenant from every table tenant_tables() names, checks that none is
-- left, and leaves a tombstone. Returns the rows deleted, or -1 when the tenant is not (or no
-- longer) to be purged: uninstalled before p_cutoff unless p_any_state (a deletion on request), and not
-- being purged by another process right now (SKIP LOCKED): safe on many instances at once.
CREATE FUNCTION purge_tenant(p_tenant uuid, p_cutoff timestamptz, p_any_state boolean) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
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
  FOR t IN SELECT table_name FROM tenant_tables() LOOP
    EXECUTE format('SELECT count(*) FROM %I WHERE tenant_id = $1', t) INTO n USING p_tenant;
    deleted := deleted + n;
  END LOOP;
  DELETE FROM tenants WHERE tenant_id = p_tenant;
  FOR t IN SELECT table_name FROM tenant_tables() LOOP
    EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', t) USING p_tenant;
  END LOOP;
  FOR t IN SELECT table_name FROM tenant_tables() LOOP
    EXECUTE format('SELECT count(*) FROM %I WHERE tenant_id = $1', t) INTO n USING p_tenant;
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
GRANT EXECUTE ON FUNCTION purge_tenant(uuid, timestamptz, boolean) TO tcj_app;
