-- Who changed what of a site, when, from where: servers, what to sync, webhook secrets, admin
-- tokens and sign-ins, and the site's own lifecycle. Append-only for the service: the runtime role
-- may add and read entries, never change or delete one; they go with the site's data when it is
-- purged (retention.uninstalled_days after an uninstall) and are part of `sites export`.
SET LOCAL ROLE tcj_owner;

CREATE TABLE audit_events (
  tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  event_id       bigint GENERATED ALWAYS AS IDENTITY,
  at             timestamptz NOT NULL DEFAULT now(),
  -- jira_user (an account id), admin_token (a token id), atlassian (a lifecycle callback) or
  -- operator (a command on the service's machine)
  actor_kind     text NOT NULL CHECK (actor_kind IN ('jira_user', 'admin_token', 'atlassian', 'operator')),
  actor_id       text NOT NULL CHECK (length(actor_id) <= 255),
  client_address text NOT NULL DEFAULT '' CHECK (length(client_address) <= 64),
  action         text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
  target         text NOT NULL DEFAULT '' CHECK (length(target) <= 255),
  -- what changed, never a secret
  detail         jsonb NOT NULL DEFAULT '{}' CHECK (length(detail::text) <= 65536),
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX audit_events_newest ON audit_events (tenant_id, event_id DESC);
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM tcj_app;
