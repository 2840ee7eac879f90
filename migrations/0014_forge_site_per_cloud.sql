-- One Forge site per Jira cloud id. Install finds the site of a cloud id before it makes one, but
-- two first installations of the same site (different installation ids, delivered at once by
-- Forge's retries or by two service processes) could both find none; this index lets the second
-- insert do nothing, and Install then joins the site the first one made.
SET LOCAL ROLE tcj_owner;

CREATE UNIQUE INDEX tenants_forge_cloud ON tenants (cloud_id) WHERE kind = 'forge';
