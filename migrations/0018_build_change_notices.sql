-- The issue panel keeps the builds of an issue in memory (sync::IssueBuildsReader); a change to
-- what it shows sends NOTIFY tcj_changes "builds <tenant id>" (see 0017), once per statement, so
-- every process drops that site's panels at once. The tenant is the transaction's own (every write
-- of the service runs in a TenantTransaction); a statement without one (an operator's maintenance)
-- sends "builds *", which drops every site's. Only the columns the panel shows: the sender's
-- bookkeeping (sent_usn, jira_outcome, ...) sends nothing. No transition table: it would cost every
-- updated row a copy.
SET LOCAL ROLE tcj_owner;

CREATE FUNCTION notify_builds_changed() RETURNS trigger
  LANGUAGE plpgsql SET search_path FROM CURRENT
  AS $$
  BEGIN
    PERFORM pg_notify('tcj_changes',
                      'builds ' || coalesce(NULLIF(current_setting('app.tenant_id', true), ''), '*'));
    RETURN NULL;
  END $$;
REVOKE EXECUTE ON FUNCTION notify_builds_changed() FROM PUBLIC;

CREATE TRIGGER builds_changed AFTER INSERT OR DELETE ON builds
  FOR EACH STATEMENT EXECUTE FUNCTION notify_builds_changed();
CREATE TRIGGER builds_changed_update
  AFTER UPDATE OF jira_state, project_name, build_type_name, number, branch, web_url, environment, tests,
                  started_at, finished_at, personal, issue_keys, keys_dropped
  ON builds FOR EACH STATEMENT EXECUTE FUNCTION notify_builds_changed();

-- As every function of this schema (0010): pg_catalog first, pg_temp last.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION notify_builds_changed() SET search_path = pg_catalog, %I, pg_temp', current_schema());
END
$$;
