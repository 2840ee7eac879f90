-- The upgrade test's release "N+1" (tests/upgrade/CMakeLists.txt): one expanding migration, numbered
-- at build time one after the highest in migrations/, built only into teamcity-jira-next. What a
-- real release's expand step does to a table the running version writes to all the time: a
-- nullable column it does not know of, and a new table. Version N keeps syncing through it.
SET LOCAL ROLE tcj_owner;

ALTER TABLE builds ADD COLUMN upgrade_test_note text;

CREATE TABLE upgrade_test_marks (
  mark       text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON upgrade_test_marks FROM tcj_app;
