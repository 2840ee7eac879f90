-- Tenants: one row per Jira site this deployment serves.
--
-- Every table that holds a tenant's data has a tenant_id column, ENABLE and FORCE ROW LEVEL
-- SECURITY, and the policy below. The NULLIF matters: after a transaction that used SET LOCAL
-- ends, the setting reads back as '' (not NULL), and ''::uuid would raise an error on every
-- later query instead of simply matching no rows.
SET LOCAL ROLE tcj_owner;

CREATE TABLE tenants (
  tenant_id      uuid PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('connect', 'oauth')),
  site_url       text NOT NULL CHECK (length(site_url) BETWEEN 1 AND 2000),
  display_name   text NOT NULL DEFAULT '' CHECK (length(display_name) <= 255),
  state          text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled', 'uninstalled')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  uninstalled_at timestamptz,
  CHECK ((state = 'uninstalled') = (uninstalled_at IS NOT NULL))
);

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
