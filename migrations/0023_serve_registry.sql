-- The serve registry: every running `serve` says who it is (host, pid, the version it reports and
-- the highest migration built into it) and, every 15 seconds, that it is still alive; it removes
-- itself when it stops. `teamcity-jira migrate` reads it to refuse a contracting migration
-- (migrations/README.md) while an executable that predates it still serves, and `doctor` lists
-- it. A process that stopped without saying so (kill -9, a lost machine) is no longer counted
-- once it missed three heartbeats, and its row is pruned then.
--
-- Belongs to no site: no tenant_id and no row level security. The runtime role gets no privilege
-- on the table: it registers, beats and unregisters through the functions below, and touches only
-- the row whose random id register handed it.
SET LOCAL ROLE tcj_owner;

CREATE TABLE serve_processes (
  process_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host            text NOT NULL CHECK (length(host) BETWEEN 1 AND 255),
  pid             integer NOT NULL CHECK (pid > 0),
  version         text NOT NULL CHECK (length(version) BETWEEN 1 AND 100),
  known_migration integer NOT NULL CHECK (known_migration > 0),
  started_at      timestamptz NOT NULL DEFAULT now(),
  heartbeat_at    timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON serve_processes FROM tcj_app;

-- How long a process may go without a heartbeat before it counts as gone: three of serve's
-- 15-second beats (app/serve_presence.cpp).
CREATE FUNCTION serve_process_stale_after() RETURNS interval
  LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT
  AS $$ SELECT interval '45 seconds' $$;

-- Registers a process and returns its id, the caller's handle for the two functions after this.
-- Returns NULL, registering nothing, while `migrate` runs anywhere in this database (it holds the
-- migration lock, db/migrations.cpp kMigrationLockKey, for its whole run); the caller tries again
-- later. So a migration that checked the registry never misses a process registered during its run.
CREATE FUNCTION serve_process_register(p_host text, p_pid integer, p_version text, p_known_migration integer)
  RETURNS uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
DECLARE
  registered uuid;
BEGIN
  IF NOT pg_try_advisory_xact_lock_shared(8386663949246362209) THEN
    RETURN NULL;
  END IF;
  DELETE FROM serve_processes WHERE heartbeat_at < now() - serve_process_stale_after();
  INSERT INTO serve_processes (host, pid, version, known_migration)
  VALUES (p_host, p_pid, p_version, p_known_migration)
  RETURNING process_id INTO registered;
  RETURN registered;
END
$$;
REVOKE EXECUTE ON FUNCTION serve_process_register(text, integer, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION serve_process_register(text, integer, text, integer) TO tcj_app;

-- The process is alive. False when its row is gone (pruned after the process was stalled for a
-- while, or a database restored from a backup) or already stale: the caller registers again, through
-- the migration lock, so a process that a running migrate counts as gone cannot come back in the
-- middle of it. Prunes the stale.
CREATE FUNCTION serve_process_heartbeat(p_process uuid) RETURNS boolean
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
BEGIN
  UPDATE serve_processes SET heartbeat_at = now()
   WHERE process_id = p_process AND heartbeat_at >= now() - serve_process_stale_after();
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  DELETE FROM serve_processes WHERE heartbeat_at < now() - serve_process_stale_after();
  RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION serve_process_heartbeat(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION serve_process_heartbeat(uuid) TO tcj_app;

-- The process stops.
CREATE FUNCTION serve_process_unregister(p_process uuid) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ DELETE FROM serve_processes WHERE process_id = p_process $$;
REVOKE EXECUTE ON FUNCTION serve_process_unregister(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION serve_process_unregister(uuid) TO tcj_app;

-- The processes heard from lately, oldest executable first: what migrate and doctor report. No id:
-- a caller learns nothing that would let it touch another process's row.
CREATE FUNCTION serve_processes_live()
  RETURNS TABLE (host text, pid integer, version text, known_migration integer, started_at timestamptz,
                 seconds_since_heartbeat double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT host, pid, version, known_migration, started_at,
               greatest(extract(epoch FROM now() - heartbeat_at), 0)::double precision
          FROM serve_processes
         WHERE heartbeat_at >= now() - serve_process_stale_after()
         ORDER BY known_migration, started_at, host, pid $$;
REVOKE EXECUTE ON FUNCTION serve_processes_live() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION serve_processes_live() TO tcj_app;

-- As every function of this schema (0010): pg_catalog first, pg_temp last.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION serve_process_stale_after() SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION serve_process_register(text, integer, text, integer) '
                 'SET search_path = pg_catalog, %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION serve_process_heartbeat(uuid) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION serve_process_unregister(uuid) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION serve_processes_live() SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
