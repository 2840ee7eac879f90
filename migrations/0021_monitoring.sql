-- Monitoring: what /metrics says of the whole database rather than of one process. Every serve
-- process reads these every 15 seconds (app/monitoring) to export the job queue's depth and each
-- server's sync lag; the runtime role sees one tenant at a time, so the count across tenants
-- takes this narrow path. Counts, ages and server ids only: no names, URLs or secrets.
SET LOCAL ROLE tcj_owner;

-- Live jobs (queued, running) per kind and state, and the age of the oldest due queued job of each.
-- Finished jobs are left out: they are kept, so their number only grows and says nothing about
-- health (queue_stats() of 0005 counts them too, for a person at psql); dead jobs are counted by
-- the sync_jobs_dead_total counter when they die.
CREATE FUNCTION monitoring_queue()
  RETURNS TABLE (kind text, state text, jobs bigint, oldest_due_seconds double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT kind, state, count(*),
               coalesce(max(extract(epoch FROM now() - next_run_at))
                        FILTER (WHERE state = 'queued' AND next_run_at <= now()), 0)::double precision
          FROM jobs WHERE state IN ('queued', 'running') GROUP BY kind, state $$;
REVOKE EXECUTE ON FUNCTION monitoring_queue() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION monitoring_queue() TO tcj_app;

-- Seconds since each server's last successful poll (since it was added, when it never had one),
-- for the servers that should be syncing: of active sites, and not being removed.
CREATE FUNCTION monitoring_server_lag()
  RETURNS TABLE (server_id uuid, seconds_since_success double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT s.server_id,
               greatest(extract(epoch FROM now() - coalesce(y.last_success_at, s.created_at)), 0)::double precision
          FROM teamcity_servers s
          JOIN tenants t ON t.tenant_id = s.tenant_id AND t.state = 'active'
          LEFT JOIN server_sync y ON y.tenant_id = s.tenant_id AND y.server_id = s.server_id
         WHERE NOT s.deleting $$;
REVOKE EXECUTE ON FUNCTION monitoring_server_lag() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION monitoring_server_lag() TO tcj_app;

-- As every function of this schema (0010): pg_catalog first, pg_temp last.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION monitoring_queue() SET search_path = pg_catalog, %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION monitoring_server_lag() SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
