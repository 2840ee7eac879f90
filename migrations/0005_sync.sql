-- The sync engine: what each server syncs and where its polling stands, the builds we know (the
-- outbox and the diagnostics of each), and the job queue shared by every `serve` process.
SET LOCAL ROLE tcj_owner;

-- What to sync (edited in the admin UI). synced_projects NULL means every project.
ALTER TABLE teamcity_servers
  ADD COLUMN synced_projects   text[],
  ADD COLUMN project_allowlist text[] NOT NULL DEFAULT '{}',
  ADD COLUMN deployment_rules  jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN webhook_secret    bytea,
  ADD COLUMN deleting          boolean NOT NULL DEFAULT false;

-- Where each server's polling stands. cursor_time is in the TeamCity server's own clock.
CREATE TABLE server_sync (
  tenant_id            uuid NOT NULL,
  server_id            uuid NOT NULL,
  cursor_time          text,
  server_version       text,
  last_poll_at         timestamptz,
  last_success_at      timestamptz,
  last_reread_at       timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  last_error_code      text,
  last_error           text,
  builds_seen          bigint NOT NULL DEFAULT 0,
  backfill             jsonb,
  PRIMARY KEY (tenant_id, server_id),
  FOREIGN KEY (tenant_id, server_id) REFERENCES teamcity_servers (tenant_id, server_id) ON DELETE CASCADE
);

-- The update sequence number of every record sent to Jira: a later state always has a higher one,
-- whichever process mapped it (wall clocks of several machines would not guarantee that).
CREATE SEQUENCE update_sequence;
GRANT USAGE, SELECT ON SEQUENCE update_sequence TO tcj_app;

-- Every build we know, mapped for Jira. It is the outbox (usn > sent_usn: not yet answered by
-- Jira) and the diagnostics of the build (keys found and dropped, what Jira answered).
CREATE TABLE builds (
  tenant_id         uuid NOT NULL,
  server_id         uuid NOT NULL,
  build_id          bigint NOT NULL,
  build_type_id     text NOT NULL,
  build_type_name   text NOT NULL DEFAULT '',
  project_name      text NOT NULL DEFAULT '',
  number            text NOT NULL DEFAULT '',
  branch            text NOT NULL DEFAULT '',
  teamcity_state    text NOT NULL,
  status            text NOT NULL DEFAULT '',
  jira_state        text NOT NULL,
  web_url           text NOT NULL DEFAULT '',
  started_at        timestamptz,
  finished_at       timestamptz,
  tests             jsonb,
  is_deployment     boolean NOT NULL DEFAULT false,
  environment       text,
  environment_type  text,
  upstream_build_id bigint,
  issue_keys        text[] NOT NULL DEFAULT '{}',
  keys_found        jsonb NOT NULL DEFAULT '[]',
  keys_dropped      jsonb NOT NULL DEFAULT '[]',
  notes             jsonb NOT NULL DEFAULT '[]',
  record            jsonb,            -- the Jira record as sent; NULL when nothing can be sent
  fingerprint       text NOT NULL,    -- unchanged builds are not sent again
  usn               bigint NOT NULL,
  sent_usn          bigint,
  send_attempts     integer NOT NULL DEFAULT 0,
  last_sent_at      timestamptz,
  jira_outcome      text,             -- accepted, rejected, not_sent, error
  jira_detail       jsonb,
  first_seen_at     timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, server_id, build_id),
  FOREIGN KEY (tenant_id, server_id) REFERENCES teamcity_servers (tenant_id, server_id) ON DELETE CASCADE
);
CREATE INDEX builds_pending ON builds (tenant_id, usn) WHERE record IS NOT NULL AND sent_usn IS DISTINCT FROM usn;
CREATE INDEX builds_open ON builds (tenant_id, server_id) WHERE teamcity_state IN ('queued', 'running');
CREATE INDEX builds_by_type ON builds (tenant_id, server_id, build_type_id, build_id);
CREATE INDEX builds_by_key ON builds USING gin (issue_keys);

-- Jobs: polls, sends, backfills, removals. One live job per dedup key. Claimed across tenants
-- only through claim_jobs() below; everything else happens under the job's tenant.
CREATE TABLE jobs (
  tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  job_id      uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('poll', 'send', 'backfill', 'delete_server')),
  dedup_key   text NOT NULL,
  payload     jsonb NOT NULL DEFAULT '{}',
  state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
  attempts    integer NOT NULL DEFAULT 0,
  next_run_at timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  lease_until timestamptz,
  last_error  text,
  dead_reason text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, job_id)
);
CREATE UNIQUE INDEX jobs_live ON jobs (tenant_id, dedup_key) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_due ON jobs (next_run_at) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'running';

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['server_sync', 'builds', 'jobs'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                   'USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
                   'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
  END LOOP;
END
$$;

-- The claim path: workers see every tenant's due jobs here and nowhere else.
CREATE POLICY maintenance_claim ON jobs TO tcj_owner USING (true) WITH CHECK (true);

-- Claims up to p_limit due jobs (queued and due, or running with an expired lease: a crashed
-- worker's job comes back) of active tenants with fewer than p_per_tenant jobs running, so one
-- slow tenant cannot hold every worker. SKIP LOCKED: concurrent workers never take the same job.
CREATE FUNCTION claim_jobs(p_worker text, p_limit integer, p_lease_seconds integer, p_per_tenant integer)
  RETURNS TABLE (tenant_id uuid, job_id uuid, kind text, payload jsonb, attempts integer)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
    WITH busy AS (
      SELECT r.tenant_id, count(*) AS running FROM jobs r
       WHERE r.state = 'running' AND r.lease_until >= now() GROUP BY r.tenant_id
    ), due AS (
      SELECT j.tenant_id, j.job_id FROM jobs j
        JOIN tenants t ON t.tenant_id = j.tenant_id AND t.state = 'active'
        LEFT JOIN busy b ON b.tenant_id = j.tenant_id
       WHERE ((j.state = 'queued' AND j.next_run_at <= now()) OR (j.state = 'running' AND j.lease_until < now()))
         AND coalesce(b.running, 0) < p_per_tenant
       ORDER BY j.next_run_at
       LIMIT p_limit
       FOR UPDATE OF j SKIP LOCKED
    )
    UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, lease_owner = p_worker,
                      lease_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
      FROM due WHERE j.tenant_id = due.tenant_id AND j.job_id = due.job_id
    RETURNING j.tenant_id, j.job_id, j.kind, j.payload, j.attempts
  $$;
GRANT EXECUTE ON FUNCTION claim_jobs(text, integer, integer, integer) TO tcj_app;

-- On shutdown: hand this worker's jobs back at once instead of waiting for their leases to expire.
CREATE FUNCTION release_jobs(p_worker text) RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
    WITH released AS (
      UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, next_run_at = now(),
                      attempts = greatest(attempts - 1, 0), updated_at = now()
       WHERE state = 'running' AND lease_owner = p_worker RETURNING 1)
    SELECT count(*)::integer FROM released
  $$;
GRANT EXECUTE ON FUNCTION release_jobs(text) TO tcj_app;

-- Queue depth and the age of the oldest due job, for the metrics (counts only).
CREATE FUNCTION queue_stats()
  RETURNS TABLE (kind text, state text, jobs bigint, oldest_due_seconds double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT kind, state, count(*), coalesce(max(extract(epoch FROM now() - next_run_at))
                                                FILTER (WHERE state = 'queued' AND next_run_at <= now()), 0)
          FROM jobs GROUP BY kind, state $$;
GRANT EXECUTE ON FUNCTION queue_stats() TO tcj_app;

-- The tenant of a webhook's server id (webhooks arrive without any tenant context).
CREATE POLICY maintenance_read ON server_sync FOR SELECT TO tcj_owner USING (true);
CREATE FUNCTION webhook_target(p_server_id uuid)
  RETURNS TABLE (tenant_id uuid, webhook_secret bytea)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT s.tenant_id, s.webhook_secret FROM teamcity_servers s JOIN tenants t USING (tenant_id)
         WHERE s.server_id = p_server_id AND t.state = 'active' AND NOT s.deleting $$;
GRANT EXECUTE ON FUNCTION webhook_target(uuid) TO tcj_app;

-- Every server has a poll job: created with the server, recreated here at startup if lost.
CREATE FUNCTION ensure_poll_jobs() RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
    WITH created AS (
      INSERT INTO jobs (tenant_id, job_id, kind, dedup_key)
      SELECT s.tenant_id, gen_random_uuid(), 'poll', 'poll:' || s.server_id FROM teamcity_servers s
       WHERE NOT s.deleting AND NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.tenant_id = s.tenant_id AND j.dedup_key = 'poll:' || s.server_id
            AND j.state IN ('queued', 'running'))
      ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*)::integer FROM created
  $$;
GRANT EXECUTE ON FUNCTION ensure_poll_jobs() TO tcj_app;

-- The webhook secret is a sealed column like the others: counted per key id, moved by reencrypt.
CREATE OR REPLACE FUNCTION maintenance_secret_key_usage()
  RETURNS TABLE (column_name text, key_id text, records bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
    SELECT 'tenants.connect_shared_secret', secret_key_id(connect_shared_secret), count(*)
      FROM tenants WHERE connect_shared_secret IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'tenants.oauth_client_secret', secret_key_id(oauth_client_secret), count(*)
      FROM tenants WHERE oauth_client_secret IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'teamcity_servers.credentials', secret_key_id(credentials), count(*)
      FROM teamcity_servers WHERE credentials IS NOT NULL GROUP BY 2
    UNION ALL
    SELECT 'teamcity_servers.webhook_secret', secret_key_id(webhook_secret), count(*)
      FROM teamcity_servers WHERE webhook_secret IS NOT NULL GROUP BY 2
  $$;
