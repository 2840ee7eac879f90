-- The admin UI: sign-in sessions of the standalone pages, and each server's recent events.
SET LOCAL ROLE tcj_owner;

-- A signed-in browser of the standalone admin pages. Only a SHA-256 of the session id (the cookie)
-- is kept; the session ends with its expiry, a sign-out, or the revocation of the admin token it
-- was opened with.
CREATE TABLE admin_sessions (
  tenant_id    uuid NOT NULL,
  session_hash text NOT NULL UNIQUE CHECK (length(session_hash) = 64),
  token_id     uuid NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, session_hash),
  FOREIGN KEY (tenant_id, token_id) REFERENCES admin_tokens (tenant_id, token_id) ON DELETE CASCADE
);
ALTER TABLE admin_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE admin_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON admin_sessions
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- The lookup below runs as the owner, before any tenant is known.
CREATE POLICY maintenance_read ON admin_sessions FOR SELECT TO tcj_owner USING (true);
GRANT SELECT, INSERT, DELETE ON admin_sessions TO tcj_app;

-- The tenant of a presented session, for the local_admin authentication: live sessions of live
-- tokens of installed tenants only.
CREATE FUNCTION admin_session_lookup(p_session_hash text)
  RETURNS TABLE (tenant_id uuid, token_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
  AS $$ SELECT s.tenant_id, s.token_id FROM admin_sessions s
          JOIN admin_tokens a ON a.tenant_id = s.tenant_id AND a.token_id = s.token_id
          JOIN tenants t ON t.tenant_id = s.tenant_id
         WHERE s.session_hash = p_session_hash AND s.expires_at > now() AND a.revoked_at IS NULL
           AND t.state <> 'uninstalled' $$;
GRANT EXECUTE ON FUNCTION admin_session_lookup(text) TO tcj_app;

-- What happened to a server, in words, for the admin page: polls failing and recovering, backfills,
-- Jira refusing records, settings changed. The newest few hundred per server are kept.
CREATE TABLE server_events (
  tenant_id uuid NOT NULL,
  server_id uuid NOT NULL,
  event_id  bigint GENERATED ALWAYS AS IDENTITY,
  at        timestamptz NOT NULL DEFAULT now(),
  level     text NOT NULL CHECK (level IN ('info', 'warning', 'error')),
  kind      text NOT NULL,
  message   text NOT NULL,
  PRIMARY KEY (tenant_id, server_id, event_id),
  FOREIGN KEY (tenant_id, server_id) REFERENCES teamcity_servers (tenant_id, server_id) ON DELETE CASCADE
);
ALTER TABLE server_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE server_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON server_events
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, DELETE ON server_events TO tcj_app;
