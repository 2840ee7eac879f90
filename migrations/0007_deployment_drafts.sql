-- A deployment's record before the keys of what it deploys were added, so that they can be added
-- again when the builds it deploys arrive after it (a backfill walks history newest first).
SET LOCAL ROLE tcj_owner;

ALTER TABLE builds ADD COLUMN draft jsonb;

-- The GIN index on issue keys cost every write of a busy sync (its pending list is flushed in the
-- middle of an insert) for a lookup only the diagnostics make, which a tenant's rows answer fast
-- enough without it.
DROP INDEX builds_by_key;

-- Statistics for the planner while a first sync fills the table: autovacuum analyzes it a minute
-- or more behind, and until then the planner believes the table empty and picks plans that scan
-- every row of a server for each page. The backfill calls this as the table grows tenfold.
CREATE FUNCTION refresh_build_statistics() RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ BEGIN ANALYZE builds; END $$;
GRANT EXECUTE ON FUNCTION refresh_build_statistics() TO tcj_app;
ALTER TABLE builds SET (autovacuum_analyze_scale_factor = 0.05);
