-- What the diagnostics show about builds that are not sent, and the lookups deployments need.
SET LOCAL ROLE tcj_owner;

ALTER TABLE builds
  ADD COLUMN personal    boolean NOT NULL DEFAULT false,
  ADD COLUMN skip_reason text NOT NULL DEFAULT '';

-- The previous deployment of a configuration to an environment.
CREATE INDEX builds_deployments ON builds (tenant_id, server_id, build_type_id, environment, build_id)
  WHERE is_deployment;

-- Poll jobs carry their server's id, like the ones the service enqueues.
CREATE OR REPLACE FUNCTION ensure_poll_jobs() RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$
    WITH created AS (
      INSERT INTO jobs (tenant_id, job_id, kind, dedup_key, payload)
      SELECT s.tenant_id, gen_random_uuid(), 'poll', 'poll:' || s.server_id,
             jsonb_build_object('server_id', s.server_id) FROM teamcity_servers s
        JOIN tenants t ON t.tenant_id = s.tenant_id AND t.state = 'active'
       WHERE NOT s.deleting AND NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.tenant_id = s.tenant_id AND j.dedup_key = 'poll:' || s.server_id
            AND j.state IN ('queued', 'running'))
      ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*)::integer FROM created
  $$;
