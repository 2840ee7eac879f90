-- Issue keys to builds, for the reads by key (the issue panel on every issue view, diagnostics by
-- key): the newest builds that name a key, found in an index instead of a scan of the site's
-- history. Triggers on builds keep it, so every write path (the sync's upsert, the keys a
-- deployment gains later, deletes by cascade) keeps it right; a build's rows are written only when
-- its keys, or the time it sorts by, change, which happens a few times in a build's life.
SET LOCAL ROLE tcj_owner;

CREATE TABLE build_keys (
  tenant_id uuid NOT NULL,
  server_id uuid NOT NULL,
  build_id  bigint NOT NULL,
  issue_key text NOT NULL,
  sort_at   timestamptz NOT NULL,  -- coalesce(finished_at, started_at, first_seen_at): newest first
  dropped   boolean NOT NULL,      -- found but not sent (diagnostics say why); the panel skips it
  -- No foreign key to builds: its check would cost a lookup per row on the sync's busiest write;
  -- the delete trigger below removes a build's rows instead.
  PRIMARY KEY (tenant_id, server_id, build_id, issue_key)
);
CREATE INDEX build_keys_newest ON build_keys (tenant_id, issue_key, sort_at DESC, build_id DESC);
ALTER TABLE build_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE build_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON build_keys
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY maintenance_read ON build_keys FOR SELECT TO tcj_owner USING (true);
REVOKE TRUNCATE, UPDATE ON build_keys FROM tcj_app;

-- A build's keys, each once: those sent (issue_keys) and those found but dropped
-- (keys_dropped[].text, upper case as diagnostics look them up). Written out in each trigger
-- rather than as a function: a function call per build is what the sync cannot afford here.

-- New builds: one set-based insert per statement (a sync page), not a call per build.
CREATE FUNCTION build_keys_of_new_builds() RETURNS trigger
  LANGUAGE plpgsql SET search_path FROM CURRENT
  AS $$
  BEGIN
    INSERT INTO build_keys (tenant_id, server_id, build_id, issue_key, sort_at, dropped)
    SELECT n.tenant_id, n.server_id, n.build_id, k.issue_key, coalesce(n.finished_at, n.started_at, n.first_seen_at),
           k.dropped
      FROM new_builds n
      CROSS JOIN LATERAL (
        SELECT DISTINCT ON (key) key AS issue_key, dropped FROM (
          SELECT u AS key, false AS dropped FROM unnest(n.issue_keys) u
          UNION ALL
          SELECT upper(d->>'text'), true FROM jsonb_array_elements(n.keys_dropped) d WHERE d->>'text' IS NOT NULL
        ) a ORDER BY key, dropped) k
     WHERE n.issue_keys <> '{}' OR n.keys_dropped <> '[]';
    RETURN NULL;
  END $$;
CREATE TRIGGER build_keys_insert AFTER INSERT ON builds
  REFERENCING NEW TABLE AS new_builds FOR EACH STATEMENT EXECUTE FUNCTION build_keys_of_new_builds();

-- A changed build: only when its keys or its sort time changed (the WHEN clause costs no call);
-- the writes that only record a send list none of these columns and never get here.
CREATE FUNCTION build_keys_of_changed_build() RETURNS trigger
  LANGUAGE plpgsql SET search_path FROM CURRENT
  AS $$
  BEGIN
    DELETE FROM build_keys WHERE tenant_id = OLD.tenant_id AND server_id = OLD.server_id AND build_id = OLD.build_id;
    INSERT INTO build_keys (tenant_id, server_id, build_id, issue_key, sort_at, dropped)
    SELECT NEW.tenant_id, NEW.server_id, NEW.build_id, k.key, coalesce(NEW.finished_at, NEW.started_at, NEW.first_seen_at),
           k.dropped
      FROM (SELECT DISTINCT ON (key) key, dropped FROM (
              SELECT u AS key, false AS dropped FROM unnest(NEW.issue_keys) u
              UNION ALL
              SELECT upper(d->>'text'), true FROM jsonb_array_elements(NEW.keys_dropped) d WHERE d->>'text' IS NOT NULL
            ) a ORDER BY key, dropped) k;
    RETURN NULL;
  END $$;
CREATE TRIGGER build_keys_update AFTER UPDATE OF issue_keys, keys_dropped, started_at, finished_at ON builds
  FOR EACH ROW
  WHEN ((OLD.issue_keys, OLD.keys_dropped, coalesce(OLD.finished_at, OLD.started_at, OLD.first_seen_at))
        IS DISTINCT FROM (NEW.issue_keys, NEW.keys_dropped, coalesce(NEW.finished_at, NEW.started_at, NEW.first_seen_at)))
  EXECUTE FUNCTION build_keys_of_changed_build();

-- Deleted builds (a removed server's, by cascade): their rows go, one statement per delete.
CREATE FUNCTION build_keys_of_deleted_builds() RETURNS trigger
  LANGUAGE plpgsql SET search_path FROM CURRENT
  AS $$
  BEGIN
    DELETE FROM build_keys k USING old_builds o
     WHERE k.tenant_id = o.tenant_id AND k.server_id = o.server_id AND k.build_id = o.build_id;
    RETURN NULL;
  END $$;
CREATE TRIGGER build_keys_delete AFTER DELETE ON builds
  REFERENCING OLD TABLE AS old_builds FOR EACH STATEMENT EXECUTE FUNCTION build_keys_of_deleted_builds();

-- As every function of this schema (0010): pg_catalog first, pg_temp last.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION build_keys_of_new_builds() SET search_path = pg_catalog, %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION build_keys_of_changed_build() SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION build_keys_of_deleted_builds() SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;

-- The builds stored before this release.
INSERT INTO build_keys (tenant_id, server_id, build_id, issue_key, sort_at, dropped)
SELECT b.tenant_id, b.server_id, b.build_id, k.key, coalesce(b.finished_at, b.started_at, b.first_seen_at), k.dropped
  FROM builds b
  CROSS JOIN LATERAL (
    SELECT DISTINCT ON (key) key, dropped FROM (
      SELECT u AS key, false AS dropped FROM unnest(b.issue_keys) u
      UNION ALL
      SELECT upper(d->>'text'), true FROM jsonb_array_elements(b.keys_dropped) d WHERE d->>'text' IS NOT NULL
    ) a ORDER BY key, dropped) k;
